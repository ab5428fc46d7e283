import { passphraseStrength } from '../crypto';
import { byId } from './dom';

/** Wires a strength meter to a passphrase field; the estimate is advice, it refuses nothing by itself. */
export function strengthMeter(inputId: string, barId: string, textId: string): void {
  const input = byId<HTMLInputElement>(inputId);
  const bar = byId(barId);
  const text = byId(textId);
  const update = () => {
    if (!input.value) {
      bar.dataset.score = '0';
      text.textContent = '';
      return;
    }
    const s = passphraseStrength(input.value);
    bar.dataset.score = String(s.score);
    text.textContent = [`Strength: ${s.label}.`, ...s.hints].join(' ');
  };
  input.addEventListener('input', update);
  update();
}

/**
 * What is wrong with a new passphrase and its confirmation, or null. Very weak ones are refused: the
 * passphrase is the only thing protecting the data, and nobody can reset it without losing that data.
 */
export function newPassphraseProblem(passphrase: string, confirm: string): string | null {
  if (passphrase.trim().length === 0) return 'Choose a passphrase.';
  if (passphrase !== confirm) return 'The two passphrases are not the same.';
  if (passphraseStrength(passphrase).score < 2) return 'This passphrase is too easy to guess: make it longer, for example a few unrelated words.';
  return null;
}
