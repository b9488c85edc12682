// The current registration taxonomy, fetched once per console load and shared by the
// registration form and the case tools; `fresh` after the server said a new version was
// loaded, so every part of the page then uses the new one.

let taxonomyPromise = null;

export function loadTaxonomy(call, { fresh = false } = {}) {
  if (!taxonomyPromise || fresh) {
    const promise = call("/api/v1/taxonomy");
    taxonomyPromise = promise;
    promise.catch(() => {
      if (taxonomyPromise === promise) taxonomyPromise = null;
    });
  }
  return taxonomyPromise;
}
