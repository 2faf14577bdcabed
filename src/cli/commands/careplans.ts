import type { CliCommand } from '../types';

/** The careplans feature's CLI commands. */
export const careplansCommands: CliCommand[] = [];
