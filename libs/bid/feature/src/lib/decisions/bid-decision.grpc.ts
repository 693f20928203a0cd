import { bidV1 } from '@platform/proto';
import {
  assertDecoded,
  flattenValidationErrors,
  UndecodableRequest,
  ValidationFailedError,
} from '@platform/service-kit';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { BidCandidate, BidDecision } from './bid-decision';
import { BidCandidateDto } from './bid-decision.dto';

/**
 * A streamed gRPC candidate → a validated {@link BidCandidate} (the REST body's rules), or
 * `VALIDATION.FAILED` naming the fields (`(payload)` for bytes that are not a `BidCandidate`). Stream
 * messages bypass Nest's guards and pipes, hence this.
 */
export function candidateFromMessage(received: bidV1.BidCandidate | UndecodableRequest): BidCandidate {
  const message = assertDecoded(received);
  const call = message.call
    ? { ...message.call, callerPhone: message.call.callerPhone || undefined }
    : message.call;
  const dto = plainToInstance(BidCandidateDto, { ...message, call });
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: false });
  if (errors.length > 0) throw new ValidationFailedError(flattenValidationErrors(errors));
  return dto;
}

/** Decision → gRPC message. */
export const toDecisionMessage = (decision: BidDecision): bidV1.BidDecision => decision;
