package vn.phananh.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.gestures.detectDragGestures
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.KeyboardArrowLeft
import androidx.compose.material.icons.automirrored.filled.KeyboardArrowRight
import androidx.compose.material.icons.filled.KeyboardArrowDown
import androidx.compose.material.icons.filled.KeyboardArrowUp
import androidx.compose.material.icons.filled.LocationOn
import androidx.compose.material3.FilledTonalIconButton
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.rememberUpdatedState
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.graphicsLayer
import androidx.compose.ui.input.pointer.pointerInput
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.unit.dp
import kotlin.math.cos
import vn.phananh.ui.state.LocationPickerEvent
import vn.phananh.ui.state.LocationPickerState

private const val METERS_PER_DEGREE_LAT = 111_320.0

/**
 * Pin adjustment: the pin stays in the centre and the user drags the ground under it (or uses
 * the arrow buttons, which also serve TalkBack/VoiceOver users). The core names the ward of the
 * new point; no map tiles are needed, so it works offline.
 */
@Composable
fun LocationPickerScreen(state: LocationPickerState, onEvent: (LocationPickerEvent) -> Unit) {
    val current = rememberUpdatedState(state)
    val density = LocalDensity.current
    fun moveByMeters(east: Double, north: Double) {
        val s = current.value
        val lat = s.lat + north / METERS_PER_DEGREE_LAT
        val lon = s.lon + east / (METERS_PER_DEGREE_LAT * cos(Math.toRadians(s.lat)))
        onEvent(LocationPickerEvent.MovePin(lat, lon))
    }
    Scaffold(topBar = { PhanAnhTopBar(str(Str.picker_title), onBack = { onEvent(LocationPickerEvent.Cancel) }) }) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            Box(
                Modifier.fillMaxWidth().weight(1f).pointerInput(Unit) {
                    detectDragGestures { change, drag ->
                        change.consume()
                        val mpd = current.value.metersPerDp
                        // Dragging the ground right moves the point under the pin to the west.
                        moveByMeters(-drag.x / density.density * mpd, drag.y / density.density * mpd)
                    }
                },
                contentAlignment = Alignment.Center,
            ) {
                GroundGrid(state)
                Icon(
                    Icons.Filled.LocationOn, contentDescription = null, tint = MaterialTheme.colorScheme.secondary,
                    modifier = Modifier.size(56.dp).graphicsLayer { translationY = -28.dp.toPx() },
                )
            }
            Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                Text(str(Str.picker_hint), style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
                Text(state.ward?.fullName ?: str(Str.location_no_ward), style = MaterialTheme.typography.titleMedium)
                Text(String.format(java.util.Locale.ROOT, "%.5f, %.5f", state.lat, state.lon), style = MaterialTheme.typography.bodySmall)
                state.warnings.forEach { Text(warningText(it), color = Color(0xFF5C3A00), style = MaterialTheme.typography.bodyMedium) }
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalAlignment = Alignment.CenterVertically) {
                    val step = 10.0
                    Nudge(Icons.Filled.KeyboardArrowUp, str(Str.picker_move_north)) { moveByMeters(0.0, step) }
                    Nudge(Icons.Filled.KeyboardArrowDown, str(Str.picker_move_south)) { moveByMeters(0.0, -step) }
                    Nudge(Icons.AutoMirrored.Filled.KeyboardArrowLeft, str(Str.picker_move_west)) { moveByMeters(-step, 0.0) }
                    Nudge(Icons.AutoMirrored.Filled.KeyboardArrowRight, str(Str.picker_move_east)) { moveByMeters(step, 0.0) }
                }
                if (state.deviceFix != null) {
                    OutlinedButton(onClick = { onEvent(LocationPickerEvent.RecenterOnDevice) }, modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch)) { Text(str(Str.picker_recenter)) }
                }
                PrimaryButton(str(Str.picker_confirm), onClick = { onEvent(LocationPickerEvent.Confirm) })
                Spacer(Modifier.height(4.dp))
            }
        }
    }
}

@Composable
private fun Nudge(icon: androidx.compose.ui.graphics.vector.ImageVector, label: String, onClick: () -> Unit) {
    FilledTonalIconButton(onClick = onClick, modifier = Modifier.size(MinTouch)) { Icon(icon, contentDescription = label) }
}

/** A plain ground grid (one line per 50 m) that shifts with the point, and the device's fix. */
@Composable
private fun GroundGrid(state: LocationPickerState) {
    val line = MaterialTheme.colorScheme.outlineVariant
    val fixColor = MaterialTheme.colorScheme.primary
    Canvas(Modifier.fillMaxSize()) {
        drawRect(Color(0xFFEFF3EA))
        val pxPerMeter = (1.0 / state.metersPerDp) * density
        val cell = (50 * pxPerMeter).toFloat().coerceAtLeast(12f)
        val northM = state.lat * METERS_PER_DEGREE_LAT
        val eastM = state.lon * METERS_PER_DEGREE_LAT * cos(Math.toRadians(state.lat))
        val offX = (-(eastM * pxPerMeter) % cell).toFloat()
        val offY = ((northM * pxPerMeter) % cell).toFloat()
        var x = offX
        while (x < size.width) { drawLine(line, Offset(x, 0f), Offset(x, size.height), 1.5f); x += cell }
        var y = offY
        while (y < size.height) { drawLine(line, Offset(0f, y), Offset(size.width, y), 1.5f); y += cell }
        state.deviceFix?.let { fix ->
            val dx = ((fix.lon - state.lon) * METERS_PER_DEGREE_LAT * cos(Math.toRadians(state.lat)) * pxPerMeter).toFloat()
            val dy = (-(fix.lat - state.lat) * METERS_PER_DEGREE_LAT * pxPerMeter).toFloat()
            val c = Offset(size.width / 2 + dx, size.height / 2 + dy)
            fix.accuracyMeters?.let { drawCircle(fixColor.copy(alpha = 0.15f), (it * pxPerMeter).toFloat(), c) }
            drawCircle(Color.White, 11f * density, c)
            drawCircle(fixColor, 8f * density, c)
        }
    }
}
