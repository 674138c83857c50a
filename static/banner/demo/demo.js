// The demo customer's own Trusted Types policy: only its known tracker hosts may become script URLs.
(function () {
  var allowed = /^https:\/\/(www\.googletagmanager\.com|connect\.facebook\.net)\//;
  var rules = {
    createScriptURL: function (url) {
      if (!allowed.test(url)) throw new TypeError("script URL not allowed: " + url);
      return url;
    },
  };
  window.demoPolicy = window.trustedTypes && window.trustedTypes.createPolicy ? window.trustedTypes.createPolicy("demo", rules) : rules;
})();
