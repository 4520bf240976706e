/* A stand-in for echarts.min.js in the golden files, so that they hold the report and not 1 MB of library. */
