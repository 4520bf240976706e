package dashboards

import (
	"strings"
	"testing"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// A name in the data cannot close the chart's script element.
func TestChartScriptKeepsDataInside(t *testing.T) {
	bar := charts.NewBar()
	bar.SetGlobalOptions(baseOptions("c1", "100%", "100px", "test")...)
	bar.SetXAxis([]string{`Vald</script><img src=x onerror=alert(1)>`}).AddSeries("s", []opts.BarData{{Value: 1}})
	script := scriptSafe(bar.RenderSnippet().Script)
	if strings.Count(strings.ToLower(script), "</script") != 1 || !strings.HasSuffix(strings.TrimSpace(script), "</script>") {
		t.Fatalf("the data closes the script element: %s", script)
	}
	if !strings.Contains(script, `Vald<\/script><img`) {
		t.Fatalf("the name is not kept, escaped: %s", script)
	}
}
