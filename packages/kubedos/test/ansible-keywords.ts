// Shared by the Ansible tests.

/** Keys of a task that are not its module. */
export const ANSIBLE_TASK_KEYWORDS = new Set([
  'name',
  'when',
  'loop',
  'loop_control',
  'register',
  'notify',
  'become',
  'delegate_to',
  'run_once',
  'no_log',
  'changed_when',
  'failed_when',
  'throttle',
  'tags',
  'vars',
  'args',
  'block',
  'rescue',
  'always',
  'ignore_errors',
]);
