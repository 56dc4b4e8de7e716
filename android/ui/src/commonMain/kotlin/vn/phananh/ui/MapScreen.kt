package vn.phananh.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.gestures.detectDragGestures
import androidx.compose.foundation.gestures.detectTapGestures
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.FilledTonalIconButton
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateMapOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberUpdatedState
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.clipToBounds
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.graphics.drawscope.translate
import androidx.compose.ui.input.pointer.pointerInput
import androidx.compose.ui.layout.onSizeChanged
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.IntOffset
import androidx.compose.ui.unit.IntSize
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.launch
import vn.phananh.ui.state.CaseStatus
import vn.phananh.ui.state.MapEvent
import vn.phananh.ui.state.MapState
import vn.phananh.ui.state.WebMercator

/** Colour of a marker: open cases red, resolved/closed green, the rest grey (the list below says it in words). */
private fun markerColor(status: CaseStatus?): Color = when (status) {
    CaseStatus.RESOLVED, CaseStatus.CLOSED -> Color(0xFF2E7D32)
    CaseStatus.REJECTED, CaseStatus.DUPLICATE, null -> Color(0xFF616161)
    else -> Color(0xFFC62828)
}

private val MapBackground = Color(0xFFECE9E2)
private val WardLine = Color(0xFF6A1B9A)

/**
 * The map of reports: background tiles of the province's tile source (when online), its
 * credit, the ward outlines and a marker per report (tap → the report); the reports also as a
 * list below it. Offline the map still draws the outlines and the markers of the phone's copy.
 */
@Composable
fun MapScreen(state: MapState, onEvent: (MapEvent) -> Unit) {
    Scaffold(topBar = { PhanAnhTopBar(str(Str.map_title), onBack = { onEvent(MapEvent.Back) }) }) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            if (state.loading) LinearProgressIndicator(Modifier.fillMaxWidth())
            state.error?.let { ErrorBanner(it, onRetry = { onEvent(MapEvent.Refresh) }) }
            if (state.fromCache) state.fetchedAt?.let { InfoBanner(str(Str.map_from_cache, dateTime(it))) }
            Box(Modifier.fillMaxWidth().height(360.dp)) {
                MapCanvas(state, onEvent)
                Column(Modifier.align(Alignment.TopEnd).padding(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    val zoomIn = str(Str.map_zoom_in)
                    val zoomOut = str(Str.map_zoom_out)
                    FilledTonalIconButton(onClick = { onEvent(MapEvent.ZoomIn) }, enabled = state.viewport.zoom < state.maxZoom,
                        modifier = Modifier.size(MinTouch).semantics { contentDescription = zoomIn }) {
                        Text("+", style = MaterialTheme.typography.titleLarge, modifier = Modifier.clearAndSetSemantics {})
                    }
                    FilledTonalIconButton(onClick = { onEvent(MapEvent.ZoomOut) }, enabled = state.viewport.zoom > state.minZoom,
                        modifier = Modifier.size(MinTouch).semantics { contentDescription = zoomOut }) {
                        Text("−", style = MaterialTheme.typography.titleLarge, modifier = Modifier.clearAndSetSemantics {})
                    }
                }
                state.attribution?.let {
                    Text(it, style = MaterialTheme.typography.labelSmall, color = Color(0xFF202020),
                        modifier = Modifier.align(Alignment.BottomEnd).background(Color(0xCCFFFFFF)).padding(horizontal = 6.dp, vertical = 2.dp))
                }
            }
            val count = str(Str.map_reports_in_view, state.markers.size)
            Text(count, style = MaterialTheme.typography.titleSmall, modifier = Modifier.padding(horizontal = 12.dp, vertical = 8.dp))
            LazyColumn(contentPadding = PaddingValues(start = 12.dp, end = 12.dp, bottom = 24.dp), verticalArrangement = Arrangement.spacedBy(10.dp)) {
                items(state.markers, key = { it.report.id }) { m -> ReportCard(m.report, onClick = { onEvent(MapEvent.OpenReport(m.report.id)) }) }
            }
        }
    }
}

@Composable
private fun MapCanvas(state: MapState, onEvent: (MapEvent) -> Unit) {
    val loader = LocalTileLoader.current
    val tiles = remember { mutableStateMapOf<String, ImageBitmap>() }
    LaunchedEffect(state.tiles) {
        state.tiles.filter { it.url !in tiles }.forEach { t -> launch { loader.load(t.url)?.let { tiles[t.url] = it } } }
    }
    var drag by remember { mutableStateOf(Offset.Zero) }
    val current by rememberUpdatedState(state)
    val wards = state.outlines.joinToString(", ") { it.name }
    val description = str(Str.map_description, state.markers.size, wards.ifEmpty { "—" })
    val markerRadius = 9.dp
    Canvas(
        Modifier.fillMaxSize()
            .clipToBounds()
            .onSizeChanged { s: IntSize -> onEvent(MapEvent.Resize(s.width, s.height)) }
            .pointerInput(Unit) {
                detectDragGestures(
                    onDragEnd = { onEvent(MapEvent.Pan(drag.x, drag.y)); drag = Offset.Zero },
                    onDragCancel = { drag = Offset.Zero },
                ) { change, amount -> change.consume(); drag += amount }
            }
            .pointerInput(Unit) {
                detectTapGestures { at ->
                    // The nearest marker within a finger's reach.
                    val reach = 24.dp.toPx()
                    current.markers
                        .map { m -> m to current.viewport.toScreen(m.at).let { (x, y) -> Offset(x.toFloat(), y.toFloat()) - at }.getDistance() }
                        .filter { it.second <= reach }
                        .minByOrNull { it.second }
                        ?.let { onEvent(MapEvent.OpenReport(it.first.report.id)) }
                }
            }
            .semantics { contentDescription = description },
    ) {
        drawRect(MapBackground)
        val v = state.viewport
        translate(drag.x, drag.y) {
            for (t in state.tiles) {
                val img = tiles[t.url] ?: continue
                val (cx, cy) = WebMercator.project(v.center, v.zoom)
                val left = t.x * WebMercator.TILE_PX - cx + v.widthPx / 2.0
                val top = t.y * WebMercator.TILE_PX - cy + v.heightPx / 2.0
                drawImage(img, dstOffset = IntOffset(left.toInt(), top.toInt()), dstSize = IntSize(WebMercator.TILE_PX, WebMercator.TILE_PX))
            }
            for (w in state.outlines) {
                for (ring in w.rings) {
                    val path = Path()
                    ring.forEachIndexed { i, p ->
                        val (x, y) = v.toScreen(p)
                        if (i == 0) path.moveTo(x.toFloat(), y.toFloat()) else path.lineTo(x.toFloat(), y.toFloat())
                    }
                    path.close()
                    drawPath(path, WardLine, style = Stroke(width = 3.dp.toPx()))
                }
            }
            for (m in state.markers) {
                val (x, y) = v.toScreen(m.at)
                val c = Offset(x.toFloat(), y.toFloat())
                drawCircle(Color.White, radius = markerRadius.toPx() + 2.dp.toPx(), center = c)
                drawCircle(markerColor(m.report.status), radius = markerRadius.toPx(), center = c)
            }
        }
    }
}
