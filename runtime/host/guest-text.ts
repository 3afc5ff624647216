// The cap on text that comes from a guest (error messages, trap explanations,
// per-message failure reasons), applied where the text enters the host.

/**
 * The longest text from a guest the host keeps (an error's message, a trap's
 * explanation), in UTF-16 code units: everything after it is cut where the text
 * enters the host, so a guest's 32 MiB error string never reaches the log, the
 * stats, the API or a restart loop.
 */
export const MAX_GUEST_TEXT = 4096;

/** `text` cut to MAX_GUEST_TEXT, with a note of how long it was. */
export function capGuestText(text: string): string {
  if (text.length <= MAX_GUEST_TEXT) return text;
  // Do not split a surrogate pair.
  let end = MAX_GUEST_TEXT;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}… [cut: the guest's text was ${text.length} characters, the host keeps ${MAX_GUEST_TEXT}]`;
}
