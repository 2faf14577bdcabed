/**
 * The allergy safety filter's vocabulary: when does a recorded allergy (a substance or drug
 * class in the clinician's words, maybe coded) rule out a plan's medication class or match
 * one of its contraindications?
 *
 * The rule, on lower-cased, space-folded words with a plural "s" dropped:
 * - the same word matches ("Penicillin" and "penicillins", "statin" and "statins");
 * - two words of the same drug class below match: a class name and its members, and the members
 *   among themselves, since an allergy to one member is treated as an allergy to the class
 *   ("penicillin" matches "amoxicillin"; "aspirin" matches "NSAIDs" and "ibuprofen");
 * - a word for a broader class matches its narrower classes and their members
 *   ("beta-lactam" matches "penicillins" and "cefalexin"), but sibling classes do not match
 *   each other ("penicillin" does not rule out "cephalosporins");
 * - an allergy's code matches a contraindication that is the same code;
 * - a longer phrase is read for the table's words in it ("penicillin V potassium" is a penicillin).
 *
 * The table is small on purpose: common drug classes a care plan names. It errs towards ruling
 * out (a class allergy covers every member); a clinician can always prescribe outside a plan.
 */
import type { WithheldWhy } from '../../shared/domain/careplans';
import { withheldInWords } from './reasons';
interface DrugClass {
  /** The class name the reason shows. */
  name: string;
  /** Lower-case words for the class and its members (ICD-10 allergy-status codes too). */
  words: string[];
  /** The broader class this one belongs to. */
  within?: string;
}

export const DRUG_CLASSES: readonly DrugClass[] = [
  { name: 'beta-lactam antibiotics', words: ['beta-lactam', 'beta lactam', 'β-lactam', 'beta-lactam antibiotic', 'betalactam'] },
  {
    name: 'penicillins',
    within: 'beta-lactam antibiotics',
    words: ['penicillin', 'amoxicillin', 'amoxycillin', 'ampicillin', 'flucloxacillin', 'benzylpenicillin', 'phenoxymethylpenicillin', 'piperacillin', 'co-amoxiclav', 'z88.0'],
  },
  { name: 'cephalosporins', within: 'beta-lactam antibiotics', words: ['cephalosporin', 'cefalexin', 'cephalexin', 'cefuroxime', 'ceftriaxone', 'cefazolin', 'cefotaxime'] },
  { name: 'carbapenems', within: 'beta-lactam antibiotics', words: ['carbapenem', 'meropenem', 'imipenem', 'ertapenem'] },
  {
    name: 'sulfonamides',
    words: ['sulfa', 'sulpha', 'sulfa drug', 'sulfonamide', 'sulphonamide', 'sulfonamide antibiotic', 'sulfamethoxazole', 'co-trimoxazole', 'trimethoprim-sulfamethoxazole', 'sulfadiazine', 'z88.2'],
  },
  {
    name: 'NSAIDs',
    words: ['nsaid', 'non-steroidal anti-inflammatory', 'non-steroidal anti-inflammatory drug', 'aspirin', 'acetylsalicylic acid', 'ibuprofen', 'naproxen', 'diclofenac', 'indometacin', 'ketoprofen'],
  },
  { name: 'macrolides', words: ['macrolide', 'erythromycin', 'clarithromycin', 'azithromycin'] },
  { name: 'tetracyclines', words: ['tetracycline', 'doxycycline', 'minocycline', 'lymecycline'] },
  { name: 'fluoroquinolones', words: ['quinolone', 'fluoroquinolone', 'ciprofloxacin', 'levofloxacin', 'moxifloxacin'] },
  { name: 'ACE inhibitors', words: ['ace inhibitor', 'ace-inhibitor', 'ramipril', 'lisinopril', 'enalapril', 'perindopril'] },
];

/** Lower case, one space between words, a plural "s" dropped ("Penicillins" -> "penicillin"). */
export function normaliseDrugWord(text: string): string {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  return t.length > 3 && t.endsWith('s') && !t.endsWith('ss') ? t.slice(0, -1) : t;
}

interface ClassIndex {
  byWord: Map<string, Set<string>>;
  parent: Map<string, string>;
}

let index: ClassIndex | null = null;

/** The table by normalised word (built on first use: nothing runs at import time). */
function classIndex(): ClassIndex {
  if (index) return index;
  const byWord = new Map<string, Set<string>>();
  for (const c of DRUG_CLASSES) {
    for (const w of [c.name, ...c.words].map(normaliseDrugWord)) {
      const set = byWord.get(w) ?? new Set<string>();
      set.add(c.name);
      byWord.set(w, set);
    }
  }
  const parent = new Map(DRUG_CLASSES.filter((c) => c.within).map((c) => [c.name, c.within!]));
  index = { byWord, parent };
  return index;
}

/** The classes a word or phrase names directly (for a phrase: those of the table's words in it). */
function classesOf(word: string): Set<string> {
  const direct = classIndex().byWord.get(word);
  if (direct) return direct;
  const out = new Set<string>();
  const padded = ` ${word} `;
  for (const [w, classes] of classIndex().byWord) {
    if (padded.includes(` ${w} `) || padded.includes(` ${w}s `)) for (const c of classes) out.add(c);
  }
  return out;
}

function withBroader(classes: Set<string>): Set<string> {
  const out = new Set<string>();
  for (let c of classes) {
    out.add(c);
    while (classIndex().parent.has(c)) {
      c = classIndex().parent.get(c)!;
      out.add(c);
    }
  }
  return out;
}

/** Whether an allergy to `allergen` rules out something a plan names as `planWord` (see the rule above). */
export function allergyMatches(allergen: string, planWord: string): boolean {
  const a = normaliseDrugWord(allergen);
  const p = normaliseDrugWord(planWord);
  if (!a || !p) return false;
  if (a === p) return true;
  const ca = classesOf(a);
  const cp = classesOf(p);
  if (ca.size === 0 || cp.size === 0) return false;
  const up = withBroader(cp);
  const ua = withBroader(ca);
  return [...ca].some((c) => up.has(c)) || [...cp].some((c) => ua.has(c));
}

/** What a contraindication entry names when it is about an allergy ("penicillin allergy" -> "penicillin"). */
export function allergenOfContraindication(entry: string): string {
  return entry
    .trim()
    .replace(/^(allergy|allergic|hypersensitivity)( to)? /i, '')
    .replace(/ (allergy|hypersensitivity)$/i, '')
    .trim();
}

/** A recorded allergy as the filter needs it. */
export interface AllergyRef {
  substance: string;
  code: string | null;
}

/**
 * Why a plan is ruled out by one of the patient's allergies, structured, or null: a medication
 * class or a contraindication of the plan matches a recorded allergy.
 */
export function allergyConflict(
  plan: { medicationClasses: readonly string[]; contraindications: readonly string[] },
  allergies: readonly AllergyRef[],
): WithheldWhy | null {
  for (const allergy of allergies) {
    const med = plan.medicationClasses.find((m) => allergyMatches(allergy.substance, m));
    if (med) return { key: 'allergyMedication', params: { substance: allergy.substance, medication: med } };
    const contra = plan.contraindications.find(
      (c) =>
        !/^(age|sex):/i.test(c.trim()) && (allergy.code !== null && c.trim().toLowerCase() === allergy.code.toLowerCase()) || allergyMatches(allergy.substance, allergenOfContraindication(c)),
    );
    if (contra) return { key: 'allergyContraindication', params: { substance: allergy.substance, entry: contra.trim() } };
  }
  return null;
}

/** The same in English words, or null. */
export function allergyExclusion(plan: { medicationClasses: readonly string[]; contraindications: readonly string[] }, allergies: readonly AllergyRef[]): string | null {
  const why = allergyConflict(plan, allergies);
  return why ? withheldInWords(why) : null;
}
