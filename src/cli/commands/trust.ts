import type { CliCommand } from '../types';

/** The trust feature's CLI commands. */
export const trustCommands: CliCommand[] = [];
