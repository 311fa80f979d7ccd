// careleaf's search worker: Material for MkDocs' own worker, with every word folded the same
// way in the index and in the query, so that "neumotorax" typed on a phone finds "neumotórax".
//
// careleaf writes this file into each site beside Material's worker (so that the lunr language
// files Material loads from "../lunr" resolve as they do for its own), naming that worker in
// MATERIAL_WORKER, and points the page's search at it. It is a file of the site, never an
// inline script.
//
// Folding keeps every letter and the vowel signs of Indic scripts (Bengali "সুই" stays as it
// is); it drops:
//  - the combining accents of Latin, Greek and Cyrillic (á -> a, ñ -> n, ü -> u), after
//    compatibility decomposition (so "ﬁ" is "fi" and a full-width letter its plain one);
//  - Arabic vowel marks, hamza marks and the tatweel (as Arabic search engines do: people
//    rarely type them);
//  - invisible characters inside words (soft hyphen, zero-width joiners and spaces), which
//    Bengali text holds and nobody types;
// and recomposes what is left (NFC), so that a vowel sign typed as two code points matches
// the one the page has.
"use strict"

const MATERIAL_WORKER = "{{ material_worker }}"

// Material's message types (its SearchMessageType): the worker is sent the index once
// (SETUP), then each query the reader types (QUERY) as a string, and answers each query with
// its results (RESULT).
const QUERY = 2
const RESULT = 3

const ACCENTS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g
const ARABIC_MARKS = /[\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]/g
const INVISIBLE = /[\u00ad\u200b-\u200f\u2060\ufeff]/g

function fold(text) {
  return text
    .normalize("NFKD")
    .replace(ACCENTS, "")
    .replace(ARABIC_MARKS, "")
    .replace(INVISIBLE, "")
    .normalize("NFC")
}

// The words of the last query as typed (lower-cased, as lunr's query parser gives them), by
// their folded form: each result names the query words it matched, and the page opened from
// a result highlights those words; it must look for "neumotórax" as typed, not its fold.
let typed = new Map()

// The query: folded before Material parses it. (lunr runs a term with a wildcard, as Material
// gives every typed word, through no pipeline at all, so the pipeline alone cannot fold it.)
const listen = self.addEventListener
self.addEventListener = function (type, listener, options) {
  if (type !== "message")
    return listen.call(self, type, listener, options)
  return listen.call(self, type, event => {
    const message = event.data
    if (!(message && message.type === QUERY && typeof message.data === "string"))
      return listener({ data: message })
    typed = new Map(message.data.toLowerCase().split(/\s+/).map(word => [fold(word), word]))
    listener({ data: { ...message, data: fold(message.data) } })
  }, options)
}

// The results: their matched words named as typed again.
const post = self.postMessage
self.postMessage = function (message, ...rest) {
  if (message && message.type === RESULT && message.data && message.data.items)
    for (const group of message.data.items)
      for (const item of group)
        item.terms = Object.fromEntries(Object.entries(item.terms || {})
          .map(([term, found]) => [typed.get(term) || term, found]))
  return post.call(self, message, ...rest)
}
importScripts(MATERIAL_WORKER)
self.addEventListener = listen

// The index: every word Material's tokenizer makes (lower-cased) is folded last, after the
// language's stop-word filter (whose lists hold accented words). Added once to each index
// lunr builds, before its first document, in both pipelines (a term without a wildcard runs
// through the search pipeline).
function foldToken(token) {
  return token.update(fold)
}
lunr.Pipeline.registerFunction(foldToken, "careleafFold")
const addDocument = lunr.Builder.prototype.add
lunr.Builder.prototype.add = function (doc, attributes) {
  if (!this.careleafFolds) {
    this.pipeline.add(foldToken)
    this.searchPipeline.add(foldToken)
    this.careleafFolds = true
  }
  return addDocument.call(this, doc, attributes)
}
