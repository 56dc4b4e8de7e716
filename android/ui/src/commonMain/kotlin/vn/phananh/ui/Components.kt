package vn.phananh.ui

import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.RowScope
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material.icons.filled.Build
import androidx.compose.material.icons.filled.Close
import androidx.compose.material.icons.filled.Delete
import androidx.compose.material.icons.filled.Face
import androidx.compose.material.icons.filled.Favorite
import androidx.compose.material.icons.filled.Home
import androidx.compose.material.icons.filled.Info
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material.icons.filled.MoreVert
import androidx.compose.material.icons.filled.Person
import androidx.compose.material.icons.filled.Place
import androidx.compose.material.icons.filled.PlayArrow
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material.icons.filled.Star
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Button
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.material3.TopAppBarDefaults
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.runtime.produceState
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.clip
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.Dp
import androidx.compose.ui.unit.dp
import vn.phananh.ui.state.CaseStatus
import vn.phananh.ui.state.MediaKind
import vn.phananh.ui.state.MediaResolution
import vn.phananh.ui.state.MediaUnavailable
import vn.phananh.ui.state.PhotoRef
import vn.phananh.ui.state.UiError

/** Top bar with an optional back/close button; the title is a heading for screen readers. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun PhanAnhTopBar(
    title: String,
    onBack: (() -> Unit)? = null,
    backIsClose: Boolean = false,
    actions: @Composable RowScope.() -> Unit = {},
) {
    TopAppBar(
        title = {
            Text(title, maxLines = 1, overflow = TextOverflow.Ellipsis, modifier = Modifier.semantics { heading() })
        },
        navigationIcon = {
            if (onBack != null) {
                IconButton(onClick = onBack, modifier = Modifier.size(MinTouch)) {
                    Icon(
                        if (backIsClose) Icons.Filled.Close else Icons.AutoMirrored.Filled.ArrowBack,
                        contentDescription = str(if (backIsClose) Str.action_close else Str.action_back),
                    )
                }
            }
        },
        actions = actions,
        colors = TopAppBarDefaults.topAppBarColors(
            containerColor = MaterialTheme.colorScheme.primary,
            titleContentColor = MaterialTheme.colorScheme.onPrimary,
            navigationIconContentColor = MaterialTheme.colorScheme.onPrimary,
            actionIconContentColor = MaterialTheme.colorScheme.onPrimary,
        ),
    )
}

/** Status as a coloured pill with its name (colour is never the only signal). */
@Composable
fun StatusChip(status: CaseStatus, modifier: Modifier = Modifier) {
    val color = statusColor(status)
    Surface(color = color.copy(alpha = 0.12f), shape = RoundedCornerShape(50), modifier = modifier) {
        Row(verticalAlignment = Alignment.CenterVertically, modifier = Modifier.padding(horizontal = 10.dp, vertical = 4.dp)) {
            Box(Modifier.size(8.dp).clip(RoundedCornerShape(50)).background(color))
            Spacer(Modifier.width(6.dp))
            Text(statusLabel(status), color = color, style = MaterialTheme.typography.labelMedium)
        }
    }
}

/** A pill for the local delivery state (before the server knows the report). */
@Composable
fun Pill(text: String, color: Color, modifier: Modifier = Modifier) {
    Surface(color = color.copy(alpha = 0.12f), shape = RoundedCornerShape(50), modifier = modifier) {
        Text(text, color = color, style = MaterialTheme.typography.labelMedium,
            modifier = Modifier.padding(horizontal = 10.dp, vertical = 4.dp))
    }
}

/**
 * A photo (or a video's poster) loaded by the host; a neutral placeholder until then. A server
 * file comes through the core's media cache (offline from the phone's copy); when it cannot be
 * had, the placeholder says why.
 */
@Composable
fun Thumbnail(photo: PhotoRef?, size: Dp, contentDescription: String?, modifier: Modifier = Modifier) {
    val loader = LocalImageLoader.current
    val resolver = LocalMediaResolver.current
    val px = with(LocalDensity.current) { size.roundToPx() }
    var unavailable by remember(photo) { mutableStateOf<MediaUnavailable?>(null) }
    val bitmap by produceState(initialValue = null as androidx.compose.ui.graphics.ImageBitmap?, photo, px) {
        // A server video shows its poster frame (a small JPEG) when the server has one, instead of
        // a frame of the whole video fetched into the cache.
        val remote = photo?.remote?.thumbnail
        value = when {
            photo == null -> null
            remote == null -> loader.load(photo.path, px)
            resolver == null -> null
            else -> when (val r = resolver.resolve(remote)) {
                is MediaResolution.File -> loader.load(r.path, px)
                is MediaResolution.Unavailable -> { unavailable = r.why; null }
            }
        }
    }
    Box(
        modifier.size(size).clip(RoundedCornerShape(12.dp)).background(MaterialTheme.colorScheme.surfaceVariant)
            .semantics { if (contentDescription != null) this.contentDescription = contentDescription },
        contentAlignment = Alignment.Center,
    ) {
        val b = bitmap
        val why = unavailable
        if (b != null) {
            Image(b, contentDescription = null, contentScale = ContentScale.Crop, modifier = Modifier.size(size))
        } else if (why != null && size >= 56.dp) {
            Text(
                str(when (why) {
                    MediaUnavailable.OFFLINE -> Str.media_offline
                    MediaUnavailable.DAMAGED -> Str.media_damaged
                    MediaUnavailable.FAILED -> Str.media_failed
                }),
                style = MaterialTheme.typography.labelSmall,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
                textAlign = androidx.compose.ui.text.style.TextAlign.Center,
                modifier = Modifier.padding(4.dp),
            )
        } else {
            Icon(Icons.Filled.Place, contentDescription = null, tint = MaterialTheme.colorScheme.onSurfaceVariant)
        }
        if (photo?.kind == MediaKind.VIDEO) {
            Box(Modifier.size(36.dp).clip(RoundedCornerShape(50)).background(Color.Black.copy(alpha = 0.55f)), contentAlignment = Alignment.Center) {
                Icon(Icons.Filled.PlayArrow, contentDescription = null, tint = Color.White)
            }
        }
    }
}

/** An error the user can act on, with an optional retry. */
@Composable
fun ErrorBanner(error: UiError, onRetry: (() -> Unit)? = null) {
    Surface(color = MaterialTheme.colorScheme.errorContainer, shape = RoundedCornerShape(12.dp), modifier = Modifier.fillMaxWidth()) {
        Row(Modifier.padding(12.dp), verticalAlignment = Alignment.CenterVertically) {
            Icon(Icons.Filled.Warning, contentDescription = null, tint = MaterialTheme.colorScheme.onErrorContainer)
            Spacer(Modifier.width(10.dp))
            Text(errorText(error), color = MaterialTheme.colorScheme.onErrorContainer, style = MaterialTheme.typography.bodyMedium, modifier = Modifier.weight(1f))
            if (onRetry != null) {
                IconButton(onClick = onRetry, modifier = Modifier.size(MinTouch)) {
                    Icon(Icons.Filled.Refresh, contentDescription = str(Str.action_retry), tint = MaterialTheme.colorScheme.onErrorContainer)
                }
            }
        }
    }
}

/** Informational strip (offline, waiting for Wi-Fi, ...). */
@Composable
fun InfoBanner(text: String, icon: ImageVector = Icons.Filled.Info) {
    Surface(color = Color(0xFFFFF4D6), modifier = Modifier.fillMaxWidth()) {
        Row(Modifier.padding(horizontal = 16.dp, vertical = 10.dp), verticalAlignment = Alignment.CenterVertically) {
            Icon(icon, contentDescription = null, tint = Color(0xFF6A4A00))
            Spacer(Modifier.width(10.dp))
            Text(text, color = Color(0xFF4A3400), style = MaterialTheme.typography.bodyMedium)
        }
    }
}

@Composable
fun SectionTitle(text: String, modifier: Modifier = Modifier) {
    Text(text, style = MaterialTheme.typography.titleMedium, modifier = modifier.padding(top = 8.dp, bottom = 6.dp).semantics { heading() })
}

/** Validation messages shown in place, under the field they concern. */
@Composable
fun FieldErrors(messages: List<vn.phananh.ui.state.FieldMessage>) {
    Column {
        messages.forEach { m ->
            Row(verticalAlignment = Alignment.CenterVertically, modifier = Modifier.padding(top = 4.dp)) {
                Icon(Icons.Filled.Warning, contentDescription = null, tint = MaterialTheme.colorScheme.error, modifier = Modifier.size(18.dp))
                Spacer(Modifier.width(6.dp))
                Text(problemText(m), color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodyMedium)
            }
        }
    }
}

/** The main action of a screen: full width, tall, easy to hit. */
@Composable
fun PrimaryButton(text: String, onClick: () -> Unit, enabled: Boolean = true, busy: Boolean = false, modifier: Modifier = Modifier) {
    Button(
        onClick = onClick,
        enabled = enabled && !busy,
        contentPadding = PaddingValues(horizontal = 20.dp, vertical = 14.dp),
        modifier = modifier.fillMaxWidth().heightIn(min = MinTouch),
    ) {
        if (busy) {
            androidx.compose.material3.CircularProgressIndicator(Modifier.size(22.dp), strokeWidth = 3.dp, color = MaterialTheme.colorScheme.onPrimary)
            Spacer(Modifier.width(12.dp))
        }
        Text(text, style = MaterialTheme.typography.labelLarge)
    }
}

/** Icon of a category by its code; the label is always shown next to it. */
fun categoryIcon(code: String): ImageVector = when (code) {
    "giao_thong" -> Icons.Filled.Place
    "moi_truong" -> Icons.Filled.Delete
    "trat_tu_do_thi" -> Icons.Filled.Home
    "xay_dung", "cap_thoat_nuoc" -> Icons.Filled.Build
    "dien_chieu_sang" -> Icons.Filled.Star
    "an_ninh_trat_tu" -> Icons.Filled.Lock
    "an_sinh_xa_hoi" -> Icons.Filled.Person
    "y_te" -> Icons.Filled.Favorite
    "giao_duc" -> Icons.Filled.Face
    "thu_tuc_hanh_chinh" -> Icons.Filled.Info
    else -> Icons.Filled.MoreVert
}

@Composable
fun LabelValue(label: String, value: String, valueColor: Color = Color.Unspecified) {
    Column(Modifier.fillMaxWidth().padding(vertical = 4.dp), verticalArrangement = Arrangement.spacedBy(2.dp)) {
        Text(label, style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        Text(value, style = MaterialTheme.typography.bodyLarge, color = valueColor)
    }
}
