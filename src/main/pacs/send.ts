/**
 * Sending reviewed findings back to the PACS: for each, a Comprehensive SR (the finding, the
 * model and version, the calibrated confidence, the reviewer and decision, referencing the
 * source image) and a Secondary Capture of the heatmap overlay, both marked "Decision support,
 * not for diagnosis", stored by STOW-RS or C-STORE. Only diagnoses a clinician confirmed or
 * overrode may go (ml's one rule, `reviewedFinding`); the request is checked whole before
 * anything is sent. A research node gets de-identified copies only (reports' PS3.15 profile).
 */
import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import type { PacsMessage, PacsProtocol, SendResult, SentFinding } from '../../shared/domain/pacs';
import { imagesByIds } from '../imaging/ports';
import { toGray8 } from '../imaging/display';
import { decodeStoredImage, readStoredImageBytes } from '../imaging/storedImage';
import { modelVersion, reviewedFinding, type ReviewedDiagnosis } from '../ml/ports';
import { conditionForClass } from '../careplans/findingsFromDiagnoses';
import { deidentifyDicom } from '../reports/dicomDeid';
import { Pseudonymizer, pseudonymSecret } from '../reports/deidentify';
import { readSourceInstance } from './part10';
import { buildFindingSr } from './sr';
import { buildHeatmapCapture, SECONDARY_CAPTURE } from './secondaryCapture';
import { pacsErrorNote, pacsErrorWords, type Connection } from './PacsService';

const SC_MAX_SIZE = 1024;

interface Prepared {
  diagnosis: ReviewedDiagnosis;
  patientId: string | null;
  instances: Buffer[];
  srUid: string;
  scUid: string;
}

export class Sender {
  constructor(
    private readonly core: Core,
    private readonly connect: (nodeId: string, via?: PacsProtocol) => Connection,
  ) {}

  /** The whole request is checked first: one unreviewed or unsendable finding refuses it, with why. */
  async send(input: { nodeId: string; diagnosisIds: string[]; deidentify?: boolean; via?: PacsProtocol }, who: string): Promise<SendResult> {
    const c = this.connect(input.nodeId, input.via);
    const deidentify = Boolean(input.deidentify);
    if (c.node.research && !deidentify) throw new AppError('CONFLICT', `"${c.node.name}" is a research node: only de-identified copies may be sent to it. Send again with de-identification on.`, { key: 'errors.pacs.researchNodeNeedsDeid', params: { name: c.node.name } });
    const ids = [...new Set(input.diagnosisIds)];
    const findings = ids.map((id) => {
      try {
        return reviewedFinding(this.core.db, id);
      } catch (err) {
        if (err instanceof AppError) throw new AppError(err.code, `Diagnosis ${id} cannot be sent: ${err.message}`, { key: 'errors.pacs.diagnosisCannotBeSent', params: { id, message: err.message } });
        throw err;
      }
    });
    const images = imagesByIds(this.core.db, findings.map((d) => d.imageId));
    for (const d of findings) {
      const img = images.get(d.imageId);
      if (!img) throw new AppError('NOT_FOUND', `The image of diagnosis ${d.id} is no longer in CareLens; nothing was sent.`, { key: 'errors.pacs.diagnosisImageGone', params: { id: d.id } });
      if (img.format !== 'dicom') throw new AppError('UNSUPPORTED', `The image of diagnosis ${d.id} is a ${img.format.toUpperCase()} file, not DICOM: a PACS result must reference a DICOM image of a study. Nothing was sent.`, { key: 'errors.pacs.imageNotDicom', params: { id: d.id, format: img.format.toUpperCase() } });
    }
    const pseudo = deidentify ? new Pseudonymizer(pseudonymSecret(this.core.settings)) : null;
    const prepared: Prepared[] = [];
    for (const d of findings) prepared.push(await this.prepare(d, images.get(d.imageId)!.patientId, pseudo));

    const sent: SentFinding[] = [];
    const now = this.core.clock.now().toISOString();
    const record = this.core.db.prepare('INSERT INTO pacs_sends (id, node_id, diagnosis_id, sr_uid, sc_uid, deidentified, ok, error, sent_by, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (const p of prepared) {
      let error: string | null = null;
      let errorNote: PacsMessage | undefined;
      try {
        const r = await c.client.store(p.instances);
        if (r.failed.length > 0) error = r.failed.map((f) => f.reason).join('; ');
      } catch (err) {
        error = pacsErrorWords(err, c.node.name);
        errorNote = pacsErrorNote(err, c.node.name);
      }
      record.run(newId(), c.node.id, p.diagnosis.id, p.srUid, p.scUid, deidentify ? 1 : 0, error ? 0 : 1, error, who, now);
      sent.push({ diagnosisId: p.diagnosis.id, ok: !error, srSopInstanceUid: p.srUid, scSopInstanceUid: p.scUid, deidentified: deidentify, error, ...(errorNote ? { errorNote } : {}) });
    }
    return { nodeId: c.node.id, nodeName: c.node.name, via: c.via, sent, patientIds: [...new Set(prepared.map((p) => p.patientId).filter((x): x is string => Boolean(x)))] };
  }

  /** The SR and the Secondary Capture of one finding (de-identified when asked). */
  private async prepare(d: ReviewedDiagnosis, patientId: string | null, pseudo: Pseudonymizer | null): Promise<Prepared> {
    const source = readSourceInstance(readStoredImageBytes(this.core, d.imageId));
    const v = modelVersion(this.core.db, d.modelVersionId);
    const model = { name: v ? `CareLens ${v.architecture} classifier (${v.labelSetName})` : 'CareLens classifier', version: `${d.modelVersion} (${d.modelVersionId})` };
    const now = this.core.clock.now();
    const decoded = await decodeStoredImage(this.core, d.imageId);
    const scale = Math.min(1, SC_MAX_SIZE / Math.max(decoded.width, decoded.height));
    const gray = toGray8(decoded, { width: Math.max(1, Math.round(decoded.width * scale)), height: Math.max(1, Math.round(decoded.height * scale)) });
    const sc = buildHeatmapCapture({ source, gray: { width: gray.width, height: gray.height, data: gray.data }, heatmap: d.heatmap, model, now });
    const condition = conditionForClass(d.review.className);
    const sr = buildFindingSr({
      source,
      finding: { className: d.review.className, code: condition && !condition.code.startsWith('CL-') ? { value: condition.code, scheme: 'I10', meaning: condition.words } : null },
      model,
      prediction: { className: d.predictedClass, confidence: d.confidence },
      review: { decision: d.review.decision, className: d.review.className, reason: d.review.reason, by: d.review.by, at: d.review.at },
      heatmap: { sopClassUid: SECONDARY_CAPTURE, sopInstanceUid: sc.sopInstanceUid },
      now,
    });
    let instances = [sr.part10, sc.part10];
    let srUid = sr.sopInstanceUid;
    let scUid = sc.sopInstanceUid;
    if (pseudo) {
      const pid = patientId ?? `image:${d.imageId}`;
      const opts = { pseudonymizer: pseudo, patientId: pid, pseudonym: pseudo.patient(pid) };
      instances = instances.map((b) => deidentifyDicom(b, opts));
      srUid = pseudo.uid(srUid);
      scUid = pseudo.uid(scUid);
    }
    return { diagnosis: d, patientId, instances, srUid, scUid };
  }
}
