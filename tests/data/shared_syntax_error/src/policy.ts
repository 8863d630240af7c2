export interface TrackingPolicy {
  screenshotsEnabled: boolean;
  screenshotIntervalMinutes: number,,
}

export const DEFAULT_INTERVAL = 10;
