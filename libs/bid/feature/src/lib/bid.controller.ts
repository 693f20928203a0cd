import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CacheEntryRoute } from '@platform/cache/nest';
import { ApiEndpoint } from '@platform/service-kit';
import { BidSchema } from './bid.openapi';
import { BidService } from './bid.service';
import { BidView } from './bid.mapper';
import { BID_CACHE_NAMESPACES, BidNamespaceKeys } from './cache/bid-cache.keys';
import { BidReadTracker } from './cache/bid-read.tracker';
import { BidIdDto, CreateBidDto, ListBidsQuery, UpdateBidDto } from './dto/bid.dto';

/** REST API of bids. */
@Controller('bids')
export class BidController {
  constructor(private readonly bids: BidService) {}

  @Post()
  @ApiEndpoint({ summary: 'Create a bid', scope: 'bid:write', status: 201, body: true, response: BidSchema })
  async create(@Body() body: CreateBidDto): Promise<BidView> {
    return this.bids.create(body);
  }

  @Get()
  @ApiEndpoint({ summary: 'List bids, newest first', scope: 'bid:read', response: [BidSchema] })
  async list(@Query() query: ListBidsQuery): Promise<BidView[]> {
    return this.bids.list(query);
  }

  /** The bid as cached (`bid:{bidID}`): a fresh L1 entry is answered before Nest's router (`CacheEntryRoute`). */
  @Get(':id')
  @ApiEndpoint({ summary: 'One bid', scope: 'bid:read', response: BidSchema, errors: [404] })
  @CacheEntryRoute({
    namespace: BID_CACHE_NAMESPACES.bid.namespace,
    key: ({ id }) => (id === undefined ? undefined : BidNamespaceKeys.bid(id)),
    reads: BidReadTracker,
  })
  async get(@Param() { id }: BidIdDto): Promise<BidView> {
    return this.bids.get(id);
  }

  @Patch(':id')
  @ApiEndpoint({
    summary: 'Change a bid’s status or amount',
    scope: 'bid:write',
    body: true,
    response: BidSchema,
    errors: [404, 409],
  })
  async update(@Param() { id }: BidIdDto, @Body() body: UpdateBidDto): Promise<BidView> {
    return this.bids.update(id, body);
  }

  @Delete(':id')
  @ApiEndpoint({ summary: 'Delete a bid', scope: 'bid:write', status: 204, errors: [404] })
  @HttpCode(204)
  async remove(@Param() { id }: BidIdDto): Promise<void> {
    await this.bids.delete(id);
  }
}
