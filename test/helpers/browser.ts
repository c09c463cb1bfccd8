/**
 * Headless Chromium for the dashboard test and the screenshot script: Debian's `chromium-headless-shell`
 * package where it is installed (`.ci/run` installs it), else its `chromium`, driven by playwright-core,
 * which downloads nothing. The headless shell is Chromium's own headless build, the one Playwright runs
 * for headless by default: the same Blink and V8 without the desktop browser's services (the dashboard
 * test ≈ 1.6 core-seconds less here, ≈ 25 % of the browser's share). The flags keep it off the network
 * and quiet: no first-run, sync, component updates or background fetches. Each launch gets a fresh
 * profile: playwright-core makes a temporary --user-data-dir and removes it on close (it refuses one
 * passed in `args`).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const DEBIAN = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'];

/** CHROMIUM_PATH overrides the Debian paths (another distribution, a local Chrome). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? DEBIAN.find((path) => existsSync(path)) ?? DEBIAN[0];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install -y chromium-headless-shell (as .ci/run does) or chromium, or set CHROMIUM_PATH`,
    );
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
