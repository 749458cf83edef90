/** Where a command prints: the console in the CLI, a buffer in tests. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const consoleOutput: Output = { out: (l) => console.log(l), err: (l) => console.error(l) };
