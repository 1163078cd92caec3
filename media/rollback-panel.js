// The rollback panel's script: enables Roll Back only when nothing blocks and
// the production context name is typed back exactly; Enter in a field never
// presses a button; every button posts what was asked to the extension, which
// decides. No network, no storage of the typed values outside this page.
(function () {
  const vscode = acquireVsCodeApi();
  const rollback = document.getElementById('rollback');
  const reason = document.getElementById('reason');
  const confirm = document.getElementById('confirm-context');
  const confirmHelp = document.getElementById('confirm-help');
  const why = document.getElementById('rollback-why');
  const headline = document.getElementById('headline');

  function typedBack() {
    return !confirm || confirm.value === confirm.dataset.expected;
  }

  function update() {
    if (!rollback) return;
    const blocked = rollback.dataset.blocked === 'true';
    const ok = !blocked && typedBack() && !(reason && reason.disabled);
    rollback.disabled = !ok;
    if (confirm && confirmHelp) {
      confirmHelp.textContent = confirm.value === '' ? '' : typedBack() ? 'The context name matches.' : 'Not yet the context name: type it exactly.';
    }
    if (why && !blocked && confirm) why.textContent = typedBack() ? '' : 'Type the context name ' + confirm.dataset.expected + ' to enable Roll Back.';
  }

  // Enter in a text field does not submit or confirm anything.
  for (const input of document.querySelectorAll('input[type="text"]')) {
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') e.preventDefault();
    });
    input.addEventListener('input', update);
  }

  if (rollback) {
    rollback.addEventListener('click', () => {
      if (rollback.disabled || !typedBack()) return;
      rollback.disabled = true;
      vscode.postMessage({ type: 'rollback', reason: reason ? reason.value : '', confirmContext: confirm ? confirm.value : undefined });
    });
  }
  const cancel = document.getElementById('cancel');
  if (cancel) cancel.addEventListener('click', () => vscode.postMessage({ type: 'cancel' }));
  for (const b of document.querySelectorAll('button[data-fix]')) {
    b.addEventListener('click', () => vscode.postMessage({ type: 'fix', id: b.dataset.fix, setting: b.dataset.setting, command: b.dataset.command, reason: reason ? reason.value : '' }));
  }
  for (const b of document.querySelectorAll('button[data-action]')) {
    b.addEventListener('click', () => vscode.postMessage({ type: 'action', id: b.dataset.action }));
  }

  // Progress lines while the rollback runs.
  window.addEventListener('message', (event) => {
    const m = event.data;
    if (m && m.type === 'progress') {
      const list = document.getElementById('progress');
      if (!list) return;
      const li = document.createElement('li');
      li.textContent = m.message;
      list.appendChild(li);
    }
  });

  update();
  // Focus starts on what will happen, never on a button.
  if (headline) headline.focus();
})();
