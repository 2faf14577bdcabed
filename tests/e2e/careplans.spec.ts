import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { freshDataDir, openApp, runCli, startHost, type Host } from './fixtures';

let host: Host | null = null;
test.afterEach(async () => {
  await host?.stop();
  host = null;
});

async function cli(args: string[], dataDir: string): Promise<string> {
  const r = await runCli([...args, '--data-dir', dataDir]);
  expect(r.code, `carelens ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

test('a patient with a confirmed condition gets plans with reasons, accepts one; a contraindicated plan is never offered', async ({ page }) => {
  const dataDir = freshDataDir();
  // History the engine learns from (through the CLI, as a clinic importing its records would).
  await cli(['careplans', 'demo'], dataDir);
  for (let n = 0; n < 4; n++) {
    await cli(['patients', 'add', '--name', `Earlier Patient ${n}`, '--mrn', `H${n}`, '--birth-date', '1949-05-01', '--sex', 'M'], dataDir);
    await cli(['careplans', 'conditions', `H${n}`, '--code', 'J18.9', '--words', 'pneumonia'], dataDir);
  }
  // They did well on doxycycline: a clinic's history, imported as CSV.
  const history = path.join(dataDir, 'history.csv');
  fs.writeFileSync(history, 'patient,plan,assigned_at,outcome_grade,improved\n' + [0, 1, 2, 3].map((n) => `H${n},demo-cap-outpatient-doxycycline,2025-0${n + 1}-10,5,yes`).join('\n') + '\n');
  expect(await cli(['careplans', 'import-assignments', '--file', history], dataDir)).toContain('4 created');
  // The patient: 76, pneumonia confirmed, allergic to penicillin.
  await cli(['patients', 'add', '--name', 'Grace Hopper', '--mrn', 'GH1', '--birth-date', '1950-01-09', '--sex', 'F'], dataDir);
  await cli(['careplans', 'conditions', 'GH1', '--code', 'Z88.0', '--words', 'penicillin allergy'], dataDir);

  host = await startHost(dataDir);
  await openApp(page, host);
  await page.getByTestId('nav-careplans').click();
  await page.getByTestId('cp-patient-search').fill('Grace');
  await page.getByTestId('cp-patient').filter({ hasText: 'Grace Hopper' }).click();
  await expect(page.getByTestId('cp-condition')).toHaveCount(1);
  // No pneumonia on the list yet: nothing for pneumonia may be offered.
  await expect(page.getByTestId('cp-no-recs')).toBeVisible();

  // The clinician records the confirmed diagnosis on the problem list.
  await page.getByTestId('cp-condition-code').fill('J18.9');
  await page.getByTestId('cp-condition-words').fill('pneumonia');
  await page.getByTestId('cp-condition-add').click();
  await expect(page.getByTestId('cp-condition')).toHaveCount(2);

  const cards = page.getByTestId('plan-card');
  await expect(cards.first()).toBeVisible();
  await expect(cards.first().getByTestId('plan-reason')).toContainText(/A plan for pneumonia/);
  await expect(cards.first()).toContainText('Demo · not medical advice');
  // The amoxicillin and IV co-amoxiclav plans are contraindicated (penicillin allergy): no card, the reason shown.
  await expect(page.locator('[data-plan-id="demo-cap-inpatient-older"]')).toHaveCount(0);
  await expect(page.locator('[data-plan-id="demo-cap-outpatient-amoxicillin"]')).toHaveCount(0);
  await expect(page.getByTestId('cp-withheld')).toContainText('contraindicated: the patient has penicillin allergy (Z88.0)');
  // Plans for conditions she does not have are never offered.
  await expect(page.locator('[data-plan-id^="demo-breast"], [data-plan-id^="demo-hypertension"]')).toHaveCount(0);

  // Every mode keeps the filters.
  for (const mode of ['user', 'item', 'content', 'hybrid']) {
    await page.getByTestId(`cp-mode-${mode}`).click();
    await expect(page.getByTestId(`cp-mode-${mode}`)).toHaveAttribute('aria-checked', 'true');
    await expect(page.locator('[data-plan-id="demo-cap-inpatient-older"]')).toHaveCount(0);
  }

  const plan = page.locator('[data-plan-id="demo-cap-outpatient-doxycycline"]');
  await expect(plan).toBeVisible();
  // All methods: patients like her did well on it, and it fits her findings.
  await expect(plan.getByTestId('plan-reason')).toContainText('4 patients of similar age, sex and conditions had this plan; 4 improved');
  await expect(plan.getByTestId('plan-reason')).toContainText(/A plan for pneumonia/);
  await expect(plan.getByTestId('plan-outcomes')).toHaveText('In this clinic: 4 of 4 patients with a recorded outcome improved');
  await page.screenshot({ path: 'test-results/careplans/careplans-recommendations.png', fullPage: true });
  await plan.getByTestId('plan-accept').click();
  await plan.getByTestId('plan-decision-reason').fill('agreed with the patient');
  await plan.getByTestId('plan-confirm').click();
  const assignment = page.getByTestId('cp-assignment');
  await expect(assignment).toHaveCount(1);
  await expect(assignment).toContainText('doxycycline');
  await expect(assignment).toContainText('accepted from a suggestion: all methods');
  // An accepted plan is under way: it is not offered again.
  await expect(page.locator('[data-plan-id="demo-cap-outpatient-doxycycline"]')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/careplans/careplans-accepted.png', fullPage: true });

  // The assignment is stored: the CLI sees it too.
  expect(await cli(['careplans', 'export-assignments'], dataDir)).toMatch(/GH1,demo-cap-outpatient-doxycycline,/);
});

test('a plan with recorded outcomes shows them, one without says so; once one is accepted, the other plans for that condition wait as alternatives', async ({ page }) => {
  const dataDir = freshDataDir();
  await cli(['careplans', 'demo'], dataDir);
  // Seven older pneumonia patients on the inpatient plan: six improved, one did not.
  for (let n = 0; n < 7; n++) {
    await cli(['patients', 'add', '--name', `Earlier Patient ${n}`, '--mrn', `E${n}`, '--birth-date', '1948-05-01', '--sex', 'M'], dataDir);
    await cli(['careplans', 'conditions', `E${n}`, '--code', 'J18.9', '--words', 'pneumonia'], dataDir);
  }
  const history = path.join(dataDir, 'history.csv');
  fs.writeFileSync(history, 'patient,plan,assigned_at,improved\n' + [0, 1, 2, 3, 4, 5, 6].map((n) => `E${n},demo-cap-inpatient-older,2025-0${n + 1}-10,${n === 6 ? 'no' : 'yes'}`).join('\n') + '\n');
  expect(await cli(['careplans', 'import-assignments', '--file', history], dataDir)).toContain('7 created');
  await cli(['patients', 'add', '--name', 'Alan Turing', '--mrn', 'AT1', '--birth-date', '1947-06-23', '--sex', 'M'], dataDir);
  await cli(['careplans', 'conditions', 'AT1', '--code', 'J18.9', '--words', 'pneumonia'], dataDir);

  host = await startHost(dataDir);
  await openApp(page, host);
  await page.getByTestId('nav-careplans').click();
  await page.getByTestId('cp-patient-search').fill('Alan');
  await page.getByTestId('cp-patient').filter({ hasText: 'Alan Turing' }).click();
  await expect(page.getByTestId('cp-basis')).toHaveText('65 years or older, male; no plans on record yet.');

  const inpatient = page.locator('[data-plan-id="demo-cap-inpatient-older"]');
  const doxy = page.locator('[data-plan-id="demo-cap-outpatient-doxycycline"]');
  await expect(inpatient.getByTestId('plan-outcomes')).toHaveText('In this clinic: 6 of 7 patients with a recorded outcome improved');
  await expect(inpatient.getByTestId('plan-reason')).toContainText('7 patients of similar age, sex and conditions had this plan; 6 improved, 1 did not');
  await expect(inpatient.getByTestId('plan-shares')).toContainText(/similar patients \d+ %/);
  await expect(doxy.getByTestId('plan-outcomes')).toHaveText('No recorded outcomes yet in this clinic');
  await expect(page.getByTestId('cp-recommendations')).not.toContainText(/strength/i);
  await page.screenshot({ path: 'test-results/careplans/careplans-outcomes.png', fullPage: true });

  await page.getByTestId('cp-mode-user').hover();
  await expect(page.getByTestId('cp-mode-user')).toHaveAttribute('title', /patients like this one/);
  await doxy.getByTestId('plan-accept').click();
  await doxy.getByTestId('plan-confirm').click();
  await expect(page.getByTestId('cp-assignment')).toHaveCount(1);
  // The inpatient plan is for the same pneumonia: an alternative to the accepted plan, not a new suggestion.
  await expect(inpatient).toHaveCount(0);
  const alternatives = page.getByTestId('cp-alternatives');
  await expect(alternatives.locator('summary')).toHaveText(/^1 alternative to the accepted plan “Community-acquired pneumonia, outpatient: doxycycline \(penicillin allergy\)” for pneumonia/);
  await expect(page.getByTestId('cp-alternative')).toBeHidden();
  await alternatives.locator('summary').click();
  await expect(page.getByTestId('cp-alternative')).toHaveText(/admission and IV antibiotics/);
  await page.screenshot({ path: 'test-results/careplans/careplans-alternatives.png', fullPage: true });
});
