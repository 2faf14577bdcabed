/**
 * Who may call each channel, as a plain map the renderer can import: the contract itself pulls in
 * zod and every schema, which the renderer does not need to decide what to show. The main process
 * still checks every call (TrustService.authorize); this map only lets the UI disable or hide what
 * the signed-in role cannot use, and say why. `access.test.ts` checks it equals the contract's
 * `access` for every channel; the compiler checks every channel is here.
 */
import type { Access } from './define';
import type { ChannelName, EventName } from './contract';
import type { Role } from '../domain/actor';

export const channelAccess = {
  'system:status': 'public',
  'system:folderRoots': 'clinician',
  'system:addFolderRoot': 'admin',
  'system:removeFolderRoot': 'admin',
  'system:browseFolder': 'clinician',
  'patients:list': 'clinician',
  'patients:get': 'clinician',
  'patients:create': 'clinician',
  'patients:update': 'clinician',
  'patients:summaries': 'clinician',
  'patients:allergies': 'clinician',
  'patients:addAllergy': 'clinician',
  'patients:removeAllergy': 'clinician',
  'patients:noKnownAllergies': 'clinician',
  'auth:status': 'public',
  'auth:setup': 'public',
  'auth:login': 'public',
  'auth:logout': 'public',
  'auth:lock': 'public',
  'auth:unlock': 'public',
  'auth:heartbeat': 'clinician',
  'auth:changePassword': 'clinician',
  'auth:setLanguage': 'clinician',
  'auth:listUsers': 'admin',
  'auth:createUser': 'admin',
  'auth:updateUser': 'admin',
  'auth:resetPassword': 'admin',
  'auth:setIdleMinutes': 'admin',
  'auth:backup': 'admin',
  'audit:list': 'admin',
  'audit:verify': 'admin',
  'audit:export': 'admin',
  'imaging:importStart': 'clinician',
  'imaging:import': 'clinician',
  'imaging:importCancel': 'clinician',
  'imaging:importStatus': 'clinician',
  'imaging:imports': 'clinician',
  'imaging:importReport': 'clinician',
  'imaging:importReportCsv': 'clinician',
  'imaging:patients': 'clinician',
  'imaging:studies': 'clinician',
  'imaging:patientOverview': 'clinician',
  'imaging:series': 'clinician',
  'imaging:images': 'clinician',
  'imaging:image': 'clinician',
  'imaging:frame': 'clinician',
  'imaging:thumbnails': 'clinician',
  'imaging:tags': 'clinician',
  'labels:sets': 'clinician',
  'labels:getSet': 'clinician',
  'labels:createSet': 'clinician',
  'labels:updateSet': 'clinician',
  'labels:imports': 'clinician',
  'labels:queue': 'clinician',
  'labels:image': 'clinician',
  'labels:set': 'clinician',
  'labels:setMany': 'clinician',
  'labels:undoMany': 'clinician',
  'labels:clear': 'clinician',
  'labels:undo': 'clinician',
  'labels:skip': 'clinician',
  'labels:review': 'reviewer',
  'labels:agreement': 'clinician',
  'labels:export': 'clinician',
  'ml:train': 'clinician',
  'ml:inputProposal': 'clinician',
  'ml:cancel': 'clinician',
  'ml:runs': 'clinician',
  'ml:versions': 'clinician',
  'ml:version': 'clinician',
  'ml:activate': 'reviewer',
  'ml:exportModel': 'clinician',
  'ml:importModel': 'reviewer',
  'ml:declareIntendedUse': 'clinician',
  'ml:activationCheck': 'clinician',
  'ml:minRecall': 'clinician',
  'ml:setMinRecall': 'admin',
  'ml:diagnose': 'clinician',
  'ml:diagnoses': 'clinician',
  'ml:review': 'clinician',
  'ml:labelPreview': 'clinician',
  'ml:addToLabelSet': 'clinician',
  'ml:threshold': 'clinician',
  'ml:setThreshold': 'clinician',
  'ml:image': 'clinician',
  'ml:predictFile': 'clinician',
  'careplans:listPlans': 'clinician',
  'careplans:savePlan': 'admin',
  'careplans:retirePlan': 'admin',
  'careplans:loadDemo': 'admin',
  'careplans:importPlans': 'admin',
  'careplans:exportPlans': 'clinician',
  'careplans:importAssignments': 'admin',
  'careplans:exportAssignments': 'clinician',
  'careplans:conditions': 'clinician',
  'careplans:conditionFromDiagnosis': 'clinician',
  'careplans:addCondition': 'clinician',
  'careplans:removeCondition': 'clinician',
  'careplans:recommend': 'clinician',
  'careplans:decide': 'clinician',
  'careplans:assignments': 'clinician',
  'careplans:recordOutcome': 'clinician',
  'reports:preview': 'clinician',
  'reports:export': 'clinician',
  'reports:cancel': 'clinician',
  'reports:job': 'clinician',
  'reports:jobs': 'clinician',
  'reports:file': 'clinician',
  'reports:settings': 'clinician',
  'reports:setSettings': 'admin',
  'pacs:nodes': 'clinician',
  'pacs:addNode': 'admin',
  'pacs:removeNode': 'admin',
  'pacs:echo': 'clinician',
  'pacs:query': 'clinician',
  'pacs:series': 'clinician',
  'pacs:retrieveStart': 'clinician',
  'pacs:retrieve': 'clinician',
  'pacs:resume': 'clinician',
  'pacs:cancel': 'clinician',
  'pacs:retrieves': 'clinician',
  'pacs:retrieveSummary': 'clinician',
  'pacs:send': 'clinician',
  'measurements:add': 'clinician',
  'measurements:list': 'clinician',
  'measurements:listMany': 'clinician',
  'measurements:remove': 'clinician',
  'measurements:calibration': 'clinician',
} as const satisfies { readonly [C in ChannelName]: Access };

/**
 * Who may receive each push event: the access of the channel that answers the same facts, so an
 * event never tells a role what it could not ask for. The transports ask the trust feature
 * (`TrustService.mayReceiveEvents`) per event and session; 'auth:changed' carries nothing.
 */
export const eventAccess = {
  'auth:changed': 'public',
  'auth:storeEncryption': 'admin',
  'imaging:progress': channelAccess['imaging:importStatus'],
  'labels:changed': channelAccess['labels:queue'],
  'ml:progress': channelAccess['ml:runs'],
  'reports:progress': channelAccess['reports:job'],
  'pacs:progress': channelAccess['pacs:retrieves'],
} as const satisfies { readonly [E in EventName]: Access };

const RANK: Record<Access, number> = { public: 0, clinician: 1, reviewer: 2, admin: 3 };

/** Roles are nested: a reviewer may do what a clinician may, an admin what both may. */
export function roleMeets(role: Role, access: Access): boolean {
  return RANK[role] >= RANK[access];
}

/** Whether a signed-in user of this role may call the channel (null role: nobody is signed in). */
export function roleCan(role: Role | null | undefined, channel: ChannelName): boolean {
  const access: Access = channelAccess[channel];
  if (access === 'public') return true;
  return role ? roleMeets(role, access) : false;
}
