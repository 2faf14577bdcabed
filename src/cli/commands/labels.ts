import type { CliCommand } from '../types';

/** The labels feature's CLI commands. */
export const labelsCommands: CliCommand[] = [];
