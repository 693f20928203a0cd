import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { BidService } from './bid.service';
import { BidView } from './bid.mapper';
import { BidIdDto, CreateBidDto, ListBidsQuery, UpdateBidDto } from './dto/bid.dto';

/** REST API of bids. */
@Controller('bids')
export class BidController {
  constructor(private readonly bids: BidService) {}

  @Post()
  async create(@Body() body: CreateBidDto): Promise<BidView> {
    return this.bids.create(body);
  }

  @Get()
  async list(@Query() query: ListBidsQuery): Promise<BidView[]> {
    return this.bids.list(query);
  }

  @Get(':id')
  async get(@Param() { id }: BidIdDto): Promise<BidView> {
    return this.bids.get(id);
  }

  @Patch(':id')
  async update(@Param() { id }: BidIdDto, @Body() body: UpdateBidDto): Promise<BidView> {
    return this.bids.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param() { id }: BidIdDto): Promise<void> {
    await this.bids.delete(id);
  }
}
