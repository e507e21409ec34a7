import type { MiddlewareObj } from '@middy/core';
import { clock } from '../shared/clock';
import { auditActions } from './audit-trail';
import { annotate, HttpError, type HttpEvent, type HttpResult } from '../shared/http';
import { isScope, type Actor, type Caller, type Refusal, type Verdict } from './domain/access';
import { isRole } from './domain/roles';

/**
 * The context the authorizer hands API Gateway, which passes it to the route's function as
 * `requestContext.authorizer.lambda`. Strings only, as every authorizer context value can be.
 *
 * An HTTP API cannot shape the answer to a refused authorization (it is always 403 `{"message":"Forbidden"}`), so
 * the authorizer lets every request with a credential through to the function with its verdict, and the function
 * answers a refusal (401 or 403, naming the problem) before it does anything: {@link requireAccess}.
 */
export type AuthorizerContext =
  | {
      readonly access: 'granted';
      readonly keyId: string;
      readonly scopes: string;
      /** Who: `key`, `user` or `bootstrap`; a user's `sub` and username, and their role. */
      readonly actorKind: Actor['kind'];
      readonly actorId?: string;
      readonly actorName?: string;
      readonly role?: string;
    }
  | { readonly access: 'refused'; readonly status: string; readonly error: string; readonly message: string };

export function contextOf(verdict: Verdict): AuthorizerContext {
  if (verdict.type === 'Refused') {
    return { access: 'refused', status: String(verdict.refusal.status), error: verdict.refusal.error, message: verdict.refusal.message };
  }
  const { caller } = verdict;
  const { actor } = caller;
  return {
    access: 'granted',
    keyId: caller.keyId,
    scopes: caller.scopes.join(' '),
    actorKind: actor.kind,
    ...(actor.kind === 'bootstrap' ? {} : { actorId: actor.id }),
    ...(actor.kind === 'user' ? { actorName: actor.name } : {}),
    ...(caller.role ? { role: caller.role } : {}),
  };
}

/** The actor a granted context names; a context from before actors were passed names a key by its id. */
function actorOf(context: Partial<Record<string, unknown>>, keyId: string): Actor {
  const id = typeof context.actorId === 'string' ? context.actorId : keyId;
  if (context.actorKind === 'user' && typeof context.actorName === 'string') return { kind: 'user', id, name: context.actorName };
  if (context.actorKind === 'bootstrap') return { kind: 'bootstrap' };
  return { kind: 'key', id };
}

/** A refused request's answer: 401 with `WWW-Authenticate` (RFC 6750) for a bad or missing key, 403 for a missing scope. */
export class AccessRefused extends HttpError {
  override name = 'AccessRefused';
  constructor(refusal: Pick<Refusal, 'status' | 'error' | 'message'>) {
    super(
      refusal.status,
      refusal.error,
      refusal.message,
      {},
      refusal.status === 401
        ? { 'www-authenticate': refusal.error === 'missing_key' ? 'Bearer' : 'Bearer error="invalid_token"' }
        : {},
    );
  }
}

/**
 * Who the authorizer let this request through as. Throws {@link AccessRefused} when it refused the request, or when
 * no authorizer ran (a private route deployed without it): a private function never serves an unchecked request.
 */
export function callerOf(event: HttpEvent): Caller {
  const context = (event.requestContext as { authorizer?: { lambda?: Partial<Record<string, unknown>> } }).authorizer?.lambda;
  if (context?.access === 'granted' && typeof context.keyId === 'string' && typeof context.scopes === 'string') {
    const role = typeof context.role === 'string' && isRole(context.role) ? context.role : undefined;
    return {
      keyId: context.keyId,
      actor: actorOf(context, context.keyId),
      scopes: context.scopes.split(' ').filter(isScope),
      ...(role ? { role } : {}),
    };
  }
  if (context?.access === 'refused' && (context.status === '401' || context.status === '403')) {
    return refuse({ status: Number(context.status) as 401 | 403, error: String(context.error), message: String(context.message) });
  }
  return refuse({ status: 401, error: 'missing_key', message: 'An API key is required: Authorization: Bearer nk_…' });
}

function refuse(refusal: { status: 401 | 403; error: string; message: string }): never {
  throw new AccessRefused(refusal as Refusal);
}

/**
 * The middleware of every private route's function: answers the authorizer's refusal, or records who called on the
 * request's log line (a key's id or `user:<sub>`, never a username) and lets the handler run.
 */
export function requireAccess(): MiddlewareObj<HttpEvent, HttpResult> {
  // Every private route's action that changed something is recorded with who did it (functions/access/audit-trail.ts).
  const audit = auditActions((event) => callerOf(event).actor, () => clock.now());
  return {
    before: (request) => {
      annotate(request.event, { keyId: callerOf(request.event).keyId });
    },
    after: audit.after,
  };
}
