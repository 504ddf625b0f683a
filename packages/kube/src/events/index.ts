export { EventRecorder } from './recorder.ts';
export type {
  EventInput,
  EventRecorderOptions,
  EventSeries,
  EventType,
  KubeEvent,
  ObjectReference,
} from './recorder.ts';
