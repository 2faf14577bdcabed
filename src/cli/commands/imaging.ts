import type { CliCommand } from '../types';

/** The imaging feature's CLI commands. */
export const imagingCommands: CliCommand[] = [];
