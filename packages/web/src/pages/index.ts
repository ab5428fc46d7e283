// placeholder page: proves the bundle loads under the Content-Security-Policy (test/browser/app-shell.test.ts)
const status = document.getElementById('status');
if (status) status.textContent = 'Somnus account';
document.body.dataset.ready = '1';
