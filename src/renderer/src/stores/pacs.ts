import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { PacsEchoReport, PacsMessage, PacsNode, PacsProtocol, PacsSeries, PacsStudy, RetrieveStatus, RetrieveSummary } from '../../../shared/domain/pacs';
import type { PacsNodeInput } from '../../../shared/ipc/pacs';
import { api, unwrapResult, errorMessage } from '../api';
import { i18n } from '../i18n';

/** A YYYY-MM-DD from a date input as DICOM's YYYYMMDD (empty stays empty). */
export function toDicomDate(d: string): string {
  return d.replace(/-/g, '');
}

/** A DICOM date (YYYYMMDD) as YYYY-MM-DD, for formatDate; anything else as it is. */
export function fromDicomDate(d: string): string {
  // Old ACR-NEMA files write YYYY.MM.DD.
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(d);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : d;
}

/** The DICOM name "DOE^JANE" as "DOE, JANE" (the caret is a separator, not a character). */
export function personName(pn: string): string {
  const [family = '', given = '', middle = ''] = pn.split('^');
  return [family, [given, middle].filter(Boolean).join(' ')].filter(Boolean).join(', ') || '—';
}

const message = (err: unknown) => errorMessage(err);

/** A PACS failure in the interface language: from its key when the main process sent one, else its English text. */
export function pacsMessage(text: string | null | undefined, note?: PacsMessage): string {
  if (note) return i18n.global.t(`pacs.error.${note.key}`, note.params ?? {});
  return text ?? '';
}

/** The PACS section: nodes, "Test connection", the query and its results, and the retrieve in progress. */
export const usePacsStore = defineStore('pacs', () => {
  const nodes = ref<PacsNode[]>([]);
  const nodeId = ref<string>('');
  const via = ref<PacsProtocol | ''>('');
  const echo = ref<PacsEchoReport | null>(null);
  const echoing = ref(false);
  const query = ref({ patientName: '', patientId: '', accessionNumber: '', modality: '', from: '', to: '' });
  const studies = ref<PacsStudy[]>([]);
  const searched = ref(false);
  const searching = ref(false);
  /** Series of each study opened, and which studies / series are ticked. */
  const series = ref<Record<string, PacsSeries[]>>({});
  const pickedStudies = ref<string[]>([]);
  const pickedSeries = ref<string[]>([]);
  const retrieve = ref<RetrieveStatus | null>(null);
  const summary = ref<RetrieveSummary | null>(null);
  const history = ref<RetrieveStatus[]>([]);
  const error = ref<string | null>(null);
  let unsubscribe: (() => void) | null = null;

  const node = computed(() => nodes.value.find((n) => n.id === nodeId.value) ?? null);
  const running = computed(() => retrieve.value?.state === 'running');
  const toFetch = computed(() => (retrieve.value ? Math.max(0, retrieve.value.found - retrieve.value.alreadyStored) : 0));
  const percent = computed(() => {
    const r = retrieve.value;
    if (!r) return 0;
    if (r.state === 'done') return 100;
    return toFetch.value > 0 ? Math.round((100 * (r.fetched + r.failed)) / toFetch.value) : 0;
  });

  function listen() {
    if (unsubscribe) return;
    unsubscribe = api().on('pacs:progress', (s) => {
      if (retrieve.value && s.retrieveId !== retrieve.value.retrieveId) return;
      retrieve.value = s;
      if (s.state !== 'running') void finished(s.retrieveId);
    });
  }

  async function finished(retrieveId: string) {
    try {
      summary.value = unwrapResult(await api().pacs.retrieveSummary({ retrieveId }));
      await loadHistory();
    } catch (err) {
      error.value = message(err);
    }
  }

  async function loadNodes() {
    try {
      nodes.value = unwrapResult(await api().pacs.nodes({}));
      if (!nodes.value.some((n) => n.id === nodeId.value)) nodeId.value = nodes.value[0]?.id ?? '';
    } catch (err) {
      error.value = message(err);
    }
  }

  async function loadHistory() {
    try {
      history.value = unwrapResult(await api().pacs.retrieves({ limit: 10 }));
    } catch (err) {
      error.value = message(err);
    }
  }

  /** Adds a node (admin); throws so the form can show field errors. */
  async function addNode(input: PacsNodeInput): Promise<PacsNode> {
    const n = unwrapResult(await api().pacs.addNode(input));
    await loadNodes();
    nodeId.value = n.id;
    return n;
  }

  async function removeNode(id: string) {
    error.value = null;
    try {
      unwrapResult(await api().pacs.removeNode({ nodeId: id }));
      await loadNodes();
    } catch (err) {
      error.value = message(err);
    }
  }

  async function testConnection() {
    if (!nodeId.value) return;
    echoing.value = true;
    echo.value = null;
    error.value = null;
    try {
      echo.value = unwrapResult(await api().pacs.echo({ nodeId: nodeId.value }));
    } catch (err) {
      error.value = message(err);
    } finally {
      echoing.value = false;
    }
  }

  async function search() {
    if (!nodeId.value) return;
    searching.value = true;
    error.value = null;
    const q = query.value;
    try {
      studies.value = unwrapResult(
        await api().pacs.query({
          nodeId: nodeId.value,
          ...(q.patientName.trim() ? { patientName: q.patientName.trim() } : {}),
          ...(q.patientId.trim() ? { patientId: q.patientId.trim() } : {}),
          ...(q.accessionNumber.trim() ? { accessionNumber: q.accessionNumber.trim() } : {}),
          ...(q.modality.trim() ? { modality: q.modality.trim() } : {}),
          ...(q.from ? { studyDateFrom: toDicomDate(q.from) } : {}),
          ...(q.to ? { studyDateTo: toDicomDate(q.to) } : {}),
          ...(via.value ? { via: via.value } : {}),
        }),
      );
      searched.value = true;
      series.value = {};
      pickedStudies.value = [];
      pickedSeries.value = [];
    } catch (err) {
      error.value = message(err);
    } finally {
      searching.value = false;
    }
  }

  async function toggleSeries(studyUid: string) {
    if (series.value[studyUid]) {
      const { [studyUid]: _closed, ...rest } = series.value;
      series.value = rest;
      return;
    }
    error.value = null;
    try {
      series.value = { ...series.value, [studyUid]: unwrapResult(await api().pacs.series({ nodeId: nodeId.value, studyUid, ...(via.value ? { via: via.value } : {}) })) };
    } catch (err) {
      error.value = message(err);
    }
  }

  /** Retrieves the ticked studies (or, where series are ticked, only those series). */
  async function startRetrieve() {
    if (!nodeId.value) return;
    error.value = null;
    summary.value = null;
    const seriesStudies = new Set(Object.entries(series.value).filter(([, list]) => list.some((s) => pickedSeries.value.includes(s.seriesInstanceUid))).map(([uid]) => uid));
    const studyUids = [...new Set([...pickedStudies.value, ...seriesStudies])];
    listen();
    try {
      retrieve.value = unwrapResult(
        await api().pacs.retrieveStart({ nodeId: nodeId.value, studyUids, ...(pickedSeries.value.length ? { seriesUids: pickedSeries.value } : {}), ...(via.value ? { via: via.value } : {}) }),
      );
    } catch (err) {
      error.value = message(err);
    }
  }

  async function cancel() {
    if (!retrieve.value) return;
    try {
      retrieve.value = unwrapResult(await api().pacs.cancel({ retrieveId: retrieve.value.retrieveId }));
    } catch (err) {
      error.value = message(err);
    }
  }

  async function resume(retrieveId: string) {
    error.value = null;
    summary.value = null;
    listen();
    try {
      retrieve.value = unwrapResult(await api().pacs.resume({ retrieveId }));
    } catch (err) {
      error.value = message(err);
    }
  }

  function dispose() {
    unsubscribe?.();
    unsubscribe = null;
  }

  return {
    nodes, nodeId, node, via, echo, echoing, query, studies, searched, searching, series, pickedStudies, pickedSeries,
    retrieve, summary, history, error, running, toFetch, percent,
    loadNodes, loadHistory, addNode, removeNode, testConnection, search, toggleSeries, startRetrieve, cancel, resume, listen, dispose,
  };
});
