// Sent to every page before it loads: blocks service workers, as Playwright's
// service_workers="block" did. A page's registration does nothing, so no worker outlives the
// page or answers its requests.
if (navigator.serviceWorker) navigator.serviceWorker.register = async () => {};
