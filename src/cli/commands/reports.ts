import type { CliCommand } from '../types';

/** The reports feature's CLI commands. */
export const reportsCommands: CliCommand[] = [];
