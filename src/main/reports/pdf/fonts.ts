import fs from 'node:fs';
import path from 'node:path';
import * as fontkit from 'fontkit';

/**
 * The report fonts, parsed. Parsing a 10 MB CJK font takes about a second, so it is done
 * once per service and the parsed fonts are shared by every PDF (pdfkit accepts them as they are).
 */
export interface ReportFonts {
  regular: fontkit.Font;
  bold: fontkit.Font;
}

const REGULAR = 'NotoSansSC_400Regular.ttf';
const BOLD = 'NotoSansSC_700Bold.ttf';

/**
 * Where the shipped fonts are: resources/fonts in the repository (tests, tsx, the built CLI
 * in out/main) or the packaged app's resources folder. Searched upward from this file so the
 * same code works from src/ and from out/.
 */
export function findFontDir(start = __dirname): string | null {
  const candidates: string[] = [];
  let dir = start;
  for (let i = 0; i < 6; i++) {
    candidates.push(path.join(dir, 'resources', 'fonts'));
    dir = path.dirname(dir);
  }
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) candidates.push(path.join(resourcesPath, 'fonts'), path.join(resourcesPath, 'resources', 'fonts'));
  return candidates.find((c) => fs.existsSync(path.join(c, REGULAR))) ?? null;
}

/** Reads the report fonts (Noto Sans SC, SIL OFL 1.1: Latin and Chinese in one face). */
export function loadReportFonts(dir = findFontDir()): ReportFonts {
  if (!dir) throw new Error(`The report font ${REGULAR} is missing from resources/fonts; reinstall CareLens.`);
  const regular = fontkit.create(fs.readFileSync(path.join(dir, REGULAR)));
  const boldPath = path.join(dir, BOLD);
  return { regular, bold: fs.existsSync(boldPath) ? fontkit.create(fs.readFileSync(boldPath)) : regular };
}
