// The scan page: a handheld scanner types into the field and presses Enter (plain form
// submit, no script needed). Where the browser has the BarcodeDetector API (Chrome on
// Android, for instance), a "Use the camera" button reads QR codes with the phone's camera
// and submits the first one it sees.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-scan-form]");
    if (!form) return;
    var field = form.querySelector("input[name=code]");
    // The next scan replaces what is in the field instead of adding to it.
    if (field) { field.focus(); field.select(); }

    var camera = form.querySelector("[data-scan-camera]"); // hidden until it can work
    var button = camera && camera.querySelector("button");
    var view = form.querySelector("[data-scan-view]");
    var video = form.querySelector("[data-scan-video]");
    var stopButton = form.querySelector("[data-scan-stop]");
    var denied = form.querySelector("[data-scan-denied]");
    var supported = "BarcodeDetector" in window && navigator.mediaDevices &&
      typeof navigator.mediaDevices.getUserMedia === "function";
    if (!button || !supported) return; // the button stays hidden
    var stream = null;
    var detector = null;
    var running = false;

    function stop() {
      running = false;
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      stream = null;
      video.srcObject = null;
      view.hidden = true;
      camera.hidden = false;
      if (field) field.focus();
    }

    function tick() {
      if (!running) return;
      detector.detect(video).then(function (codes) {
        if (!running) return;
        if (codes.length && codes[0].rawValue) {
          field.value = codes[0].rawValue;
          stop();
          form.submit();
          return;
        }
        window.setTimeout(tick, 150);
      }, function () { window.setTimeout(tick, 300); });
    }

    Promise.resolve(
      typeof BarcodeDetector.getSupportedFormats === "function"
        ? BarcodeDetector.getSupportedFormats() : ["qr_code"]
    ).then(function (formats) {
      if (formats.indexOf("qr_code") === -1) return;
      detector = new BarcodeDetector({ formats: ["qr_code"] });
      camera.hidden = false;
    }, function () { /* no detector: keep the button hidden */ });

    button.addEventListener("click", function () {
      denied.hidden = true;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          video.style.width = "100%";
          video.style.maxWidth = "32rem";
          view.hidden = false;
          camera.hidden = true;
          running = true;
          return video.play();
        })
        .then(tick, function () { stop(); denied.hidden = false; });
    });
    stopButton.addEventListener("click", stop);
    window.addEventListener("pagehide", stop);
  });
})();
