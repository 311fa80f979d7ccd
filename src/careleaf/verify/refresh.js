// Runs in the page (`careleaf.verify.prover`): where its <meta http-equiv="refresh"> elements
// send the reader.
() => [...document.querySelectorAll('meta[http-equiv]')]
  .filter(m => m.httpEquiv.toLowerCase() === 'refresh').map(m => m.content)
