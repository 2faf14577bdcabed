// The little of fontkit the reports use: parse a font once, hand it to every pdfkit document.
declare module 'fontkit' {
  export interface Font {
    layout(text: string): unknown;
    postscriptName: string;
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font;
}
