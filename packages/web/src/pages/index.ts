// placeholder page: proves the bundle loads under the Content-Security-Policy (test/browser/app-shell.test.ts)
export {};

const message = document.getElementById('status');
if (message) message.textContent = 'Somnus account';
document.body.dataset.ready = '1';
