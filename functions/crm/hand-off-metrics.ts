import { BusinessMetric, type BusinessMetrics } from '../shared/metrics';
import type { CrmStore } from './ports';

/**
 * The CRM store, counting hand-offs as they are recorded: `HandOffsDelivered` when the CRM took a lead,
 * `HandOffsFailed` when a refusal or the last failed delivery is recorded on the contact (the alarm's signal).
 */
export function countingHandOffs(store: CrmStore, metrics: BusinessMetrics): CrmStore {
  return {
    contact: (contactId) => store.contact(contactId),
    eventSettled: (contactId, eventId) => store.eventSettled(contactId, eventId),
    priorHandOff: (key) => store.priorHandOff(key),
    takeHandOffLease: (lease) => store.takeHandOffLease(lease),
    releaseHandOffLease: (contactId, owner) => store.releaseHandOffLease(contactId, owner),
    recordHandOff: async (handOff) => {
      await store.recordHandOff(handOff);
      metrics.count(BusinessMetric.HandOffsDelivered);
    },
    recordFailure: async (failure) => {
      await store.recordFailure(failure);
      metrics.count(BusinessMetric.HandOffsFailed);
    },
    failureRecorded: (contactId, key) => store.failureRecorded(contactId, key),
    recordSkip: (skip) => store.recordSkip(skip),
    findContact: (by) => store.findContact(by),
    appendEvent: (contactId, event) => store.appendEvent(contactId, event),
  };
}
