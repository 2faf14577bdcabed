import type { CliCommand } from '../types';

/** The ml feature's CLI commands. */
export const mlCommands: CliCommand[] = [];
