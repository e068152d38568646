import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConfigurationReader, initializationOptions, readSettings } from '../src/settings';

function reader(values: Record<string, unknown>): ConfigurationReader {
  return { get: (key) => values[key] };
}

const DEFAULTS = { checkOn: 'type', variableNames: [], verifyOnSave: false, logLevel: 'info' };

describe('readSettings', () => {
  it('gives the defaults for an empty scope', () => {
    assert.deepEqual(readSettings(reader({})), DEFAULTS);
  });

  it('passes valid values through', () => {
    const settings = readSettings(
      reader({ checkOn: 'save', variableNames: ['SETUP_SQL'], verifyOnSave: true, 'trace.server': 'verbose' }),
    );
    assert.deepEqual(settings, {
      checkOn: 'save',
      variableNames: ['SETUP_SQL'],
      verifyOnSave: true,
      logLevel: 'debug',
    });
  });

  it('replaces values the schema rejects with the defaults', () => {
    const settings = readSettings(
      reader({ checkOn: 'always', variableNames: 'SETUP_SQL', verifyOnSave: 'yes', 'trace.server': 'loud' }),
    );
    assert.deepEqual(settings, DEFAULTS);
  });

  it('keeps only distinct identifiers among the variable names', () => {
    const settings = readSettings(reader({ variableNames: ['SETUP_SQL', 'not a name', 7, '$sql', 'SETUP_SQL'] }));
    assert.deepEqual(settings.variableNames, ['SETUP_SQL', '$sql']);
  });

  it('maps the trace level onto the server log level', () => {
    const levels = ['off', 'messages', 'verbose'].map(
      (trace) => readSettings(reader({ 'trace.server': trace })).logLevel,
    );
    assert.deepEqual(levels, ['info', 'info', 'debug']);
  });
});

describe('initializationOptions', () => {
  it('has one entry per workspace folder and the window-wide settings', () => {
    const options = initializationOptions(
      [
        { uri: 'file:///home/me/app', config: reader({ checkOn: 'save' }) },
        { uri: 'file:///home/me/admin', config: reader({ variableNames: ['ADMIN_SQL'] }) },
      ],
      reader({ verifyOnSave: true }),
    );
    assert.deepEqual(options, {
      settings: [
        { workspace: 'file:///home/me/app', ...DEFAULTS, checkOn: 'save' },
        { workspace: 'file:///home/me/admin', ...DEFAULTS, variableNames: ['ADMIN_SQL'] },
      ],
      globalSettings: { ...DEFAULTS, verifyOnSave: true },
    });
  });

  it('serialises to plain JSON', () => {
    const options = initializationOptions([{ uri: 'file:///app', config: reader({}) }], reader({}));
    assert.deepEqual(JSON.parse(JSON.stringify(options)), options);
  });
});
