/**
 * The decode failure every pixel module throws, in its own module so the decoders, the
 * colour conversions and the callers that catch it share it without importing each other.
 */

/** A decode failure with a reason for the import report or the viewer. */
export class PixelError extends Error {}
