/**
 * Every channel in a clinician's words, so no screen, refusal or audit row has to show a
 * channel name ('careplans:retirePlan'). Pure data and string functions: the main process
 * (the gate's refusals) and the renderer (disabled controls, the audit view) use the same words.
 *
 * `does` completes "Only an administrator can …" and "Tried to …": lower case, no full stop.
 * `did` is an audit row's sentence. `{patients}` in it becomes the names of the patients the
 * call touched; `{patients|a patient}` says "a patient" when none are known; without a
 * fallback, the placeholder and the word or colon before it are dropped.
 */
import type { ChannelName } from './contract';
import type { Access } from './define';
import type { Role } from '../domain/actor';

export interface ActionWords {
  does: string;
  did: string;
}

export const actionWords = {
  'system:status': { does: 'see the app status', did: 'Checked the app status' },
  'system:folderRoots': { does: 'see which folders CareLens may use', did: 'Listed the folders CareLens may use' },
  'system:addFolderRoot': { does: 'allow a folder for imports and exports', did: 'Allowed a folder for imports and exports' },
  'system:removeFolderRoot': { does: 'stop allowing a folder for imports and exports', did: 'Stopped allowing a folder for imports and exports' },
  'system:browseFolder': { does: 'browse folders to import', did: 'Browsed folders to import' },

  'patients:list': { does: 'find patients', did: 'Searched patients: {patients}' },
  'patients:get': { does: 'open a patient record', did: 'Opened the record of {patients|a patient}' },
  'patients:create': { does: 'register a patient', did: 'Registered {patients|a patient}' },
  'patients:update': { does: 'edit a patient record', did: 'Edited the record of {patients|a patient}' },
  'patients:summaries': { does: 'see who patients are', did: 'Viewed patient details of {patients|patients}' },
  'patients:allergies': { does: "see a patient's allergies", did: 'Viewed the allergies of {patients|a patient}' },
  'patients:addAllergy': { does: 'record an allergy', did: 'Recorded an allergy for {patients|a patient}' },
  'patients:removeAllergy': { does: 'remove an allergy', did: 'Removed an allergy of {patients|a patient}' },
  'patients:noKnownAllergies': { does: 'record no known allergies', did: 'Recorded no known allergies for {patients|a patient}' },

  'auth:status': { does: 'see who is signed in', did: 'Checked who is signed in' },
  'auth:setup': { does: 'create the first administrator account', did: 'Created the first administrator account' },
  'auth:login': { does: 'sign in', did: 'Signed in' },
  'auth:logout': { does: 'sign out', did: 'Signed out' },
  'auth:lock': { does: 'lock CareLens', did: 'Locked CareLens' },
  'auth:unlock': { does: 'unlock CareLens', did: 'Unlocked CareLens' },
  'auth:heartbeat': { does: 'keep the session active', did: 'Kept the session active' },
  'auth:changePassword': { does: 'change your own password', did: 'Changed their own password' },
  'auth:setLanguage': { does: 'choose your interface language', did: 'Chose their interface language' },
  'auth:listUsers': { does: 'see the user accounts', did: 'Viewed the user accounts' },
  'auth:createUser': { does: 'add a user account', did: 'Added a user account' },
  'auth:updateUser': { does: 'change a user account', did: 'Changed a user account' },
  'auth:resetPassword': { does: "reset a user's password", did: "Reset a user's password" },
  'auth:setIdleMinutes': { does: 'set when CareLens locks itself', did: 'Set when CareLens locks itself' },
  'auth:backup': { does: 'back up CareLens', did: 'Backed up CareLens' },

  'audit:list': { does: 'read the audit trail', did: 'Read the audit trail' },
  'audit:verify': { does: 'verify the audit trail', did: 'Verified the audit trail' },
  'audit:export': { does: 'export the audit trail', did: 'Exported the audit trail' },

  'imaging:importStart': { does: 'import images', did: 'Started an image import' },
  'imaging:import': { does: 'import images', did: 'Imported images' },
  'imaging:importCancel': { does: 'stop an import', did: 'Stopped an import' },
  'imaging:importStatus': { does: "see an import's progress", did: "Checked an import's progress" },
  'imaging:imports': { does: 'see recent imports', did: 'Viewed recent imports' },
  'imaging:importReport': { does: "see an import's report", did: "Viewed an import's report" },
  'imaging:importReportCsv': { does: "save an import's report", did: "Saved an import's report" },
  'imaging:patients': { does: 'browse patients with images', did: 'Browsed patients with images: {patients}' },
  'imaging:studies': { does: 'see imaging studies', did: 'Viewed the imaging studies of {patients|a patient}' },
  'imaging:patientOverview': { does: "see a patient's imaging", did: 'Viewed the imaging studies, series and images of {patients|a patient}' },
  'imaging:series': { does: 'see image series', did: 'Viewed image series of {patients|a patient}' },
  'imaging:images': { does: 'see images', did: 'Viewed images of {patients|a patient}' },
  'imaging:image': { does: 'open an image', did: 'Opened an image of {patients|a patient}' },
  'imaging:frame': { does: 'view an image', did: 'Viewed an image of {patients|a patient}' },
  'imaging:thumbnails': { does: 'see thumbnails', did: 'Viewed thumbnails of {patients|images}' },
  'imaging:tags': { does: "see an image's DICOM tags", did: 'Viewed the DICOM tags of an image of {patients|a patient}' },

  'labels:sets': { does: 'see label sets', did: 'Viewed label sets' },
  'labels:getSet': { does: 'open a label set', did: 'Opened a label set' },
  'labels:createSet': { does: 'create a label set', did: 'Created a label set' },
  'labels:updateSet': { does: 'change a label set', did: 'Changed a label set' },
  'labels:imports': { does: 'choose imports for a label set', did: 'Viewed imports for a label set' },
  'labels:queue': { does: 'see images to label', did: 'Viewed images to label: {patients}' },
  'labels:image': { does: "see an image's label", did: 'Viewed the label of an image of {patients|a patient}' },
  'labels:set': { does: 'label an image', did: 'Labelled an image of {patients|a patient}' },
  'labels:setMany': { does: 'label images', did: 'Labelled images of {patients|patients}' },
  'labels:undoMany': { does: 'undo a batch of labels', did: 'Undid a batch of labels on images of {patients|patients}' },
  'labels:clear': { does: "clear an image's label", did: 'Cleared the label of an image of {patients|a patient}' },
  'labels:undo': { does: 'undo a label change', did: 'Undid a label change on an image of {patients|a patient}' },
  'labels:skip': { does: 'set an image aside', did: 'Set aside an image of {patients|a patient}' },
  'labels:review': { does: 'review labels', did: 'Reviewed the label of an image of {patients|a patient}' },
  'labels:agreement': { does: 'see labelling agreement', did: 'Viewed labelling agreement' },
  'labels:export': { does: 'export labels', did: 'Exported labels' },

  'ml:train': { does: 'train a model', did: 'Started training a model' },
  'ml:inputProposal': { does: 'see the input size proposed for a label set', did: 'Viewed the input size proposed for a label set' },
  'ml:cancel': { does: 'stop a training run', did: 'Stopped a training run' },
  'ml:runs': { does: 'see training runs', did: 'Viewed training runs' },
  'ml:versions': { does: 'see model versions', did: 'Viewed model versions' },
  'ml:version': { does: 'open a model card', did: 'Opened a model card' },
  'ml:activate': { does: 'activate a model', did: 'Activated a model' },
  'ml:exportModel': { does: 'export a model package', did: 'Exported a model package' },
  'ml:importModel': { does: 'import a model', did: 'Imported a model' },
  'ml:declareIntendedUse': { does: "record an imported model's intended use", did: "Recorded an imported model's intended use" },
  'ml:activationCheck': { does: 'check a model before activating it', did: 'Checked a model before activating it' },
  'ml:minRecall': { does: "see the clinic's minimum recall for activation", did: "Viewed the clinic's minimum recall for activation" },
  'ml:setMinRecall': { does: "set the clinic's minimum recall for activation", did: "Set the clinic's minimum recall for activation" },
  'ml:diagnose': { does: 'run the model', did: 'Ran the model on {patients|images}' },
  'ml:diagnoses': { does: 'see diagnoses', did: 'Viewed the diagnoses of {patients|patients}' },
  'ml:review': { does: 'review a diagnosis', did: 'Reviewed a diagnosis of {patients|a patient}' },
  'ml:labelPreview': { does: 'preview adding a diagnosis to a label set', did: 'Previewed adding a diagnosis of {patients|a patient} to a label set' },
  'ml:addToLabelSet': { does: 'add a reviewed diagnosis to a label set', did: 'Added a diagnosis of {patients|a patient} to a label set' },
  'ml:threshold': { does: 'see the referral threshold', did: 'Viewed the referral threshold' },
  'ml:setThreshold': { does: 'set the referral threshold', did: 'Set the referral threshold' },
  'ml:image': { does: 'view an image for diagnosis', did: 'Viewed an image of {patients|a patient} for diagnosis' },
  'ml:predictFile': { does: 'run the model on a file', did: 'Ran the model on a file' },

  'careplans:listPlans': { does: 'see the care-plan catalog', did: 'Viewed the care-plan catalog' },
  'careplans:savePlan': { does: 'add or edit a care plan', did: 'Saved a care plan' },
  'careplans:retirePlan': { does: 'retire a care plan', did: 'Retired a care plan' },
  'careplans:loadDemo': { does: 'load the demo catalog', did: 'Loaded the demo catalog' },
  'careplans:importPlans': { does: 'import care plans', did: 'Imported care plans' },
  'careplans:exportPlans': { does: 'export care plans', did: 'Exported care plans' },
  'careplans:importAssignments': { does: 'import care-plan assignments', did: 'Imported care-plan assignments: {patients}' },
  'careplans:exportAssignments': { does: 'export care-plan assignments', did: 'Exported care-plan assignments: {patients}' },
  'careplans:conditions': { does: 'see the problem list', did: 'Viewed the problem list of {patients|a patient}' },
  'careplans:conditionFromDiagnosis': { does: 'preview a problem from a diagnosis', did: 'Previewed a problem-list entry for {patients|a patient}' },
  'careplans:addCondition': { does: 'add to the problem list', did: 'Added a problem for {patients|a patient}' },
  'careplans:removeCondition': { does: 'remove from the problem list', did: 'Removed a problem of {patients|a patient}' },
  'careplans:recommend': { does: 'see care-plan suggestions', did: 'Viewed care-plan suggestions for {patients|a patient}' },
  'careplans:decide': { does: 'accept or decline a care plan', did: 'Decided on a care plan for {patients|a patient}' },
  'careplans:assignments': { does: "see a patient's care plans", did: 'Viewed the care plans of {patients|a patient}' },
  'careplans:recordOutcome': { does: "record a care plan's outcome", did: 'Recorded a care-plan outcome for {patients|a patient}' },

  'reports:preview': { does: 'preview a report', did: 'Previewed a report on {patients|a patient}' },
  'reports:export': { does: 'export reports', did: 'Exported reports on {patients|patients}' },
  'reports:cancel': { does: 'stop a report export', did: 'Stopped a report export' },
  'reports:job': { does: 'see a report export', did: 'Viewed a report export' },
  'reports:jobs': { does: 'see recent report exports', did: 'Viewed recent report exports' },
  'reports:file': { does: 'open an exported report', did: 'Opened an exported report: {patients}' },
  'reports:settings': { does: 'see the clinic name and logo on reports', did: 'Viewed the clinic name and logo on reports' },
  'reports:setSettings': { does: 'change the clinic name and logo on reports', did: 'Changed the clinic name and logo on reports' },

  'pacs:nodes': { does: 'see the PACS connections', did: 'Viewed the PACS connections' },
  'pacs:addNode': { does: 'add a PACS connection', did: 'Added a PACS connection' },
  'pacs:removeNode': { does: 'remove a PACS connection', did: 'Removed a PACS connection' },
  'pacs:echo': { does: 'test a PACS connection', did: 'Tested a PACS connection' },
  'pacs:query': { does: 'search a PACS for studies', did: 'Searched a PACS: {patients}' },
  'pacs:series': { does: 'see the series of a PACS study', did: 'Viewed the series of a study on a PACS' },
  'pacs:retrieveStart': { does: 'retrieve PACS studies', did: 'Started retrieving studies from a PACS' },
  'pacs:retrieve': { does: 'retrieve PACS studies', did: 'Retrieved studies from a PACS: {patients}' },
  'pacs:resume': { does: 'resume a PACS retrieve', did: 'Resumed a PACS retrieve' },
  'pacs:cancel': { does: 'stop a PACS retrieve', did: 'Stopped a PACS retrieve' },
  'pacs:retrieves': { does: 'see recent PACS retrieves', did: 'Viewed recent PACS retrieves' },
  'pacs:retrieveSummary': { does: "see a PACS retrieve's report", did: "Viewed a PACS retrieve's report: {patients}" },
  'pacs:send': { does: 'send reviewed findings to a PACS archive', did: 'Sent reviewed findings of {patients|a patient} to a PACS' },

  'measurements:add': { does: 'measure on an image', did: 'Measured on an image of {patients|a patient}' },
  'measurements:list': { does: "see an image's measurements", did: 'Viewed the measurements on an image of {patients|a patient}' },
  'measurements:listMany': { does: 'see the measurements of a series', did: 'Viewed the measurements on images of {patients|a patient}' },
  'measurements:remove': { does: 'remove a measurement', did: 'Removed a measurement on an image of {patients|a patient}' },
  'measurements:calibration': { does: "see an image's pixel spacing", did: "Checked an image's pixel spacing" },
} as const satisfies { readonly [C in ChannelName]: ActionWords };

/** The words for a channel; a name that is no channel (someone probing) gets a neutral phrase, never itself. */
export function wordsFor(channel: string): ActionWords {
  return Object.prototype.hasOwnProperty.call(actionWords, channel) ? actionWords[channel as ChannelName] : { does: 'use an action CareLens does not know', did: 'Called an action CareLens does not know' };
}

/** A role in words, with its article: "an administrator", "a reviewer", "a clinician". */
export const ROLE_WORDS: Record<Role, { one: string; title: string }> = {
  clinician: { one: 'a clinician', title: 'Clinician' },
  reviewer: { one: 'a reviewer', title: 'Reviewer' },
  admin: { one: 'an administrator', title: 'Administrator' },
};

/** Who may use a channel of this access level: "an administrator", "a reviewer or an administrator". */
export function whoMay(access: Access): string {
  if (access === 'admin') return 'an administrator';
  if (access === 'reviewer') return 'a reviewer or an administrator';
  return 'a signed-in user';
}

/** Why a role cannot use a channel, for a disabled control's hint: "Only an administrator can retire a care plan". */
export function onlyWhoMay(channel: string, access: Access): string {
  return `Only ${whoMay(access)} can ${wordsFor(channel).does}`;
}

/** The gate's refusal: what was refused, who may do it, and who the user is signed in as. */
export function forbiddenMessage(channel: string, role: Role | 'system', access: Access): string {
  const as = role === 'system' ? 'the system' : ROLE_WORDS[role].one;
  return `${onlyWhoMay(channel, access)}; you are signed in as ${as}. Ask an administrator if you need it.`;
}
