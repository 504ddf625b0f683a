// Wire formats of the apiserver's two timestamp types. JavaScript dates carry milliseconds, so
// MicroTime is padded to the six fractional digits Go's metav1.MicroTime prints.

/** metav1.Time: RFC 3339 with whole seconds, e.g. `2006-01-02T15:04:05Z`. */
export function rfc3339(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime: RFC 3339 with microseconds, e.g. `2006-01-02T15:04:05.000000Z`. */
export function microTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
