/**
 * Headless Chromium for the dashboard test and the screenshot script: Debian's `chromium` package
 * (installed by .ci/run where missing), driven by playwright-core, which downloads nothing. The flags
 * keep it off the network and quiet: no first-run, sync, component updates or background fetches.
 * Each launch gets a fresh profile: playwright-core makes a temporary --user-data-dir and removes it
 * on close (it refuses one passed in `args`).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** CHROMIUM_PATH overrides the Debian path (another distribution, a local Chrome). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (as .ci/run does), or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
