// ipyartifacts-widget-fallback: a JupyterLab / Notebook 7 prebuilt extension, hand-written (no
// bundler): a federated container exposing "./extension", taking its tokens from the share
// scope the application passes to init().
//
// Why: a widget output carries application/vnd.jupyter.widget-view+json, which JupyterLab
// prefers over the output's text/html. With no kernel (notebook reopened later, kernel shut
// down) no widget manager ever comes and the output reads "Loading widget..." for good; with a
// new kernel it reads "Error displaying widget: model not found". This extension makes the
// widget renderer show the output's own text/html instead whenever it has no live widget to
// show, and gives way to the live widget as soon as one renders.
(function () {
  "use strict";
  var NAME = "ipyartifacts-widget-fallback";
  var MIME = "application/vnd.jupyter.widget-view+json";
  var FALLBACK_CLASS = "ipyartifacts-widget-fallback";
  var scope = null;

  function shared(pkg) {
    var versions = scope && scope[pkg];
    if (!versions) return Promise.reject(new Error(NAME + ": " + pkg + " is not shared"));
    var keys = Object.keys(versions).sort(function (a, b) {
      // The copy already loaded (the one the application uses) first, then the newest.
      var la = versions[a].loaded ? 1 : 0;
      var lb = versions[b].loaded ? 1 : 0;
      if (la !== lb) return lb - la;
      return a < b ? 1 : a > b ? -1 : 0;
    });
    return Promise.resolve(versions[keys[0]].get()).then(function (factory) {
      return typeof factory === "function" ? factory() : factory;
    });
  }

  function patchRenderer(rendermime) {
    var factory = rendermime.getFactory(MIME);
    if (!factory) return false;
    var probe = factory.createRenderer({
      mimeType: MIME,
      sanitizer: rendermime.sanitizer,
      resolver: rendermime.resolver,
      linkHandler: rendermime.linkHandler,
      latexTypesetter: rendermime.latexTypesetter,
    });
    var proto = Object.getPrototypeOf(probe);
    probe.dispose();
    if (proto.__ipyartifactsFallback || typeof proto.renderModel !== "function") return true;
    proto.__ipyartifactsFallback = true;
    var original = proto.renderModel;
    var manager = Object.getOwnPropertyDescriptor(proto, "manager");
    if (manager && manager.set) {
      Object.defineProperty(proto, "manager", {
        configurable: true,
        get: manager.get,
        set: function (value) {
          this.__ipyartifactsManager = true;
          manager.set.call(this, value);
        },
      });
    }

    function liveWidgetShown(renderer) {
      return renderer.isDisposed || (renderer.widgets && renderer.widgets.length > 0);
    }

    function showFallback(renderer, model, token) {
      if (renderer.__ipyartifactsToken !== token || liveWidgetShown(renderer)) return;
      if (renderer.node.querySelector("." + FALLBACK_CLASS)) return;
      var html = rendermime.createRenderer("text/html");
      html.renderModel(model).then(function () {
        if (renderer.__ipyartifactsToken !== token || liveWidgetShown(renderer)) {
          html.dispose();
          return;
        }
        if (renderer.node.querySelector("." + FALLBACK_CLASS)) return;
        var status = renderer.node.textContent || "";
        var box = document.createElement("div");
        box.className = FALLBACK_CLASS;
        var hint = document.createElement("div");
        hint.className = FALLBACK_CLASS + "-hint";
        hint.style.cssText = "opacity:.7;font-size:90%;margin-bottom:4px";
        hint.textContent = "Static view (the interactive widget needs the cell run in a live kernel)";
        hint.title = status;
        box.appendChild(hint);
        box.appendChild(html.node);
        renderer.node.textContent = "";
        renderer.node.appendChild(box);
      });
    }

    proto.renderModel = function (model) {
      var token = {};
      this.__ipyartifactsToken = token;
      var done = original.apply(this, arguments);
      if (!model || !model.data || typeof model.data["text/html"] !== "string") return done;
      var renderer = this;
      // No widget manager yet (no kernel): the widget cannot render now; show the HTML.
      if (!this.__ipyartifactsManager) showFallback(renderer, model, token);
      // Rendering ended without a widget (model not found, view failed): the HTML again.
      return Promise.resolve(done).then(
        function (value) {
          showFallback(renderer, model, token);
          return value;
        },
        function (error) {
          showFallback(renderer, model, token);
          throw error;
        },
      );
    };
    return true;
  }

  var container = {
    init: function (shareScope) {
      scope = shareScope;
    },
    get: function (module) {
      if (module !== "./extension") {
        return Promise.reject(new Error(NAME + " exposes ./extension only, not " + module));
      }
      return Promise.all([
        shared("@jupyterlab/rendermime"),
        shared("@jupyter-widgets/base").catch(function () {
          return null;
        }),
      ]).then(function (modules) {
        var rendermime = modules[0];
        var widgets = modules[1];
        var plugin = {
          id: NAME + ":plugin",
          description: "Shows a widget output's text/html when its widget cannot render.",
          autoStart: true,
          requires: [rendermime.IRenderMimeRegistry],
          // Optional, only so the widget manager's plugin (which registers the widget
          // renderer) activates before this one.
          optional: widgets && widgets.IJupyterWidgetRegistry ? [widgets.IJupyterWidgetRegistry] : [],
          activate: function (app, registry) {
            if (!patchRenderer(registry)) {
              console.warn(NAME + ": no widget renderer registered; nothing to do");
            }
          },
        };
        return function () {
          return { __esModule: true, default: plugin };
        };
      });
    },
  };
  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB[NAME] = container;
})();
