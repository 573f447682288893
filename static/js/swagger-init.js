/* The API docs (Swagger UI, vendored in django-ninja), started as ninja's swagger-ui-init.js does,
   with one change for accessibility: no deep links. Swagger UI draws an operation's deep link as
   an <a> inside the operation's summary <button>, an interactive control inside another
   (WCAG 4.1.2; axe "nested-interactive"). */
(function () {
  var body = document.querySelector("body").dataset;
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.deepLinking = false;
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  if (body.apiCsrf && body.csrfToken) {
    config.requestInterceptor = function (req) {
      req.headers["X-CSRFToken"] = body.csrfToken;
      return req;
    };
  }
  SwaggerUIBundle(config);
})();
