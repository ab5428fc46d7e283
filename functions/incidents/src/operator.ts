/** The caller of `incidents`, as the operator check established it. */
export interface Operator {
  email: string;
}
