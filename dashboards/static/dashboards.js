// kovmon dashboards: the little the pages do beyond go-echarts' own chart scripts.
// Loaded from kovmon itself (the pages' content security policy allows no other
// script): a PNG of any chart from its button beside the CSV link, and charts that
// follow the window's width.
(function () {
  "use strict";
  function chartOf(id) {
    var el = document.getElementById(id);
    return el && window.echarts ? window.echarts.getInstanceByDom(el) : null;
  }
  // kovmonPNG returns the chart drawn as a PNG data URL, on white, at twice the
  // screen's density so that it prints sharp.
  window.kovmonPNG = function (id) {
    var chart = chartOf(id);
    return chart ? chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" }) : "";
  };
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-png]") : null;
    if (!button) {
      return;
    }
    var url = window.kovmonPNG(button.getAttribute("data-png"));
    if (!url) {
      return;
    }
    var link = document.createElement("a");
    link.href = url;
    link.download = button.getAttribute("data-file");
    document.body.appendChild(link);
    link.click();
    link.remove();
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-png]").forEach(function (b) { b.hidden = false; });
  });
  var pending;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      document.querySelectorAll("[_echarts_instance_]").forEach(function (el) {
        var chart = window.echarts.getInstanceByDom(el);
        if (chart) {
          chart.resize();
        }
      });
    }, 150);
  });
})();
