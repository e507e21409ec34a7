import { consentFor } from '../email/domain/guards';
import { emailSettings } from '../email/email-settings';
import { waitingStepAfter } from '../journeys/domain/positions';
import { journeys } from '../journeys/journeys';
import { lifecycle } from '../scoring/domain/content';
import type { OverviewRules } from './domain/contact-overview';

/** The overview's rules as shipped: the topics of content/email.yaml, the email consent rule, the funnel, the journeys. */
export const shippedOverviewRules: OverviewRules = {
  topics: emailSettings.topics.map((topic) => topic.id),
  consentFor,
  initialStage: lifecycle.initial,
  stepAfter: (journeyId, marked) => {
    const journey = journeys.get(journeyId);
    return journey ? waitingStepAfter(journey, marked) : undefined;
  },
};
