package vn.phananh.ui

import androidx.compose.foundation.BorderStroke
import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.ui.draw.clip
import androidx.compose.foundation.horizontalScroll
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
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.Close
import androidx.compose.material.icons.filled.Edit
import androidx.compose.material.icons.filled.LocationOn
import androidx.compose.material.icons.filled.PlayArrow
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.FilledTonalButton
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Surface
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import vn.phananh.ui.state.AttachmentItem
import vn.phananh.ui.state.CategoryOption
import vn.phananh.ui.state.Fields
import vn.phananh.ui.state.LocationState
import vn.phananh.ui.state.LocationStatus
import vn.phananh.ui.state.MediaKind
import vn.phananh.ui.state.NewReportEvent
import vn.phananh.ui.state.NewReportState
import vn.phananh.ui.state.PhotoRef
import vn.phananh.ui.state.forField

/** New report: media, location with the commune/ward, category grid, description, anonymity. */
@Composable
fun NewReportScreen(state: NewReportState, onEvent: (NewReportEvent) -> Unit) {
    Scaffold(topBar = { PhanAnhTopBar(str(Str.new_report_title), onBack = { onEvent(NewReportEvent.Close) }, backIsClose = true) }) { padding ->
        Column(
            Modifier.padding(padding).fillMaxSize().verticalScroll(rememberScrollState()).padding(horizontal = 16.dp, vertical = 8.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            state.error?.let { ErrorBanner(it) }
            MediaSection(state, onEvent)
            LocationSection(state.location, state.fieldErrors.forField(Fields.LOCATION), onEvent)
            CategorySection(state, onEvent)
            MeTooSection(state.meToo, onEvent)
            DescriptionSection(state, onEvent)
            AnonymousRow(state.anonymous, { onEvent(NewReportEvent.ChangeAnonymous(it)) })
            state.savedAt?.let {
                Text(str(Str.new_report_saved_at, timeOnly(it)), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
            }
            PrimaryButton(str(Str.new_report_send), onClick = { onEvent(NewReportEvent.Submit) }, busy = state.submitting)
            Text(str(Str.new_report_send_hint), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
            Spacer(Modifier.height(16.dp))
        }
    }
}

@Composable
private fun MediaSection(state: NewReportState, onEvent: (NewReportEvent) -> Unit) {
    SectionTitle(str(Str.new_report_media, state.photoCount, state.maxPhotos))
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp), modifier = Modifier.fillMaxWidth()) {
        MediaButton(str(Str.action_take_photo), Icons.Filled.Add, state.canAddPhoto, { onEvent(NewReportEvent.TakePhoto) }, Modifier.weight(1f))
        MediaButton(str(Str.action_record_video), Icons.Filled.PlayArrow, state.canAddVideo, { onEvent(NewReportEvent.RecordVideo) }, Modifier.weight(1f))
    }
    OutlinedButton(
        onClick = { onEvent(NewReportEvent.PickFromGallery) },
        enabled = state.canAddPhoto || state.canAddVideo,
        modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch),
    ) { Text(str(Str.action_pick_gallery), style = MaterialTheme.typography.labelLarge) }
    Text(str(Str.new_report_video_limit, state.maxVideoSeconds), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
    if (state.attachments.isNotEmpty()) {
        Row(Modifier.horizontalScroll(rememberScrollState()), horizontalArrangement = Arrangement.spacedBy(10.dp)) {
            state.attachments.forEachIndexed { i, a -> AttachmentTile(i, a, onEvent) }
        }
    }
    FieldErrors(state.fieldErrors.forField(Fields.ATTACHMENTS))
}

@Composable
private fun MediaButton(text: String, icon: ImageVector, enabled: Boolean, onClick: () -> Unit, modifier: Modifier) {
    FilledTonalButton(onClick = onClick, enabled = enabled, modifier = modifier.heightIn(min = 64.dp), shape = RoundedCornerShape(14.dp)) {
        Icon(icon, contentDescription = null)
        Spacer(Modifier.width(8.dp))
        Text(text, style = MaterialTheme.typography.labelLarge, textAlign = TextAlign.Center)
    }
}

@Composable
private fun AttachmentTile(index: Int, item: AttachmentItem, onEvent: (NewReportEvent) -> Unit) {
    val name = str(if (item.kind == MediaKind.VIDEO) Str.attachment_video_n else Str.attachment_photo_n, index + 1)
    val removeLabel = str(Str.attachment_remove, name)
    Column(horizontalAlignment = Alignment.CenterHorizontally) {
        Box {
            Thumbnail(PhotoRef(item.path, item.kind), 104.dp, contentDescription = name)
            if (item.processing) {
                Box(Modifier.size(104.dp), contentAlignment = Alignment.Center) { CircularProgressIndicator(Modifier.size(32.dp)) }
            }
            // 48 dp to tap, a 36 dp dark disc to see.
            Box(
                Modifier.align(Alignment.TopEnd).size(48.dp)
                    .clickable(role = Role.Button, onClickLabel = removeLabel) { onEvent(NewReportEvent.RemoveAttachment(item.id)) }
                    .semantics { contentDescription = removeLabel },
                contentAlignment = Alignment.Center,
            ) {
                Box(Modifier.size(36.dp).clip(RoundedCornerShape(50)).background(Color.Black.copy(alpha = 0.6f)), contentAlignment = Alignment.Center) {
                    Icon(Icons.Filled.Close, contentDescription = null, tint = Color.White)
                }
            }
        }
        val caption = when {
            item.kind == MediaKind.VIDEO && item.durationSeconds != null -> str(Str.attachment_seconds, item.durationSeconds!!)
            else -> megabytes(item.sizeBytes)
        }
        Text(caption, style = MaterialTheme.typography.labelMedium)
        if (item.hasExifLocation) Text(str(Str.attachment_has_gps), style = MaterialTheme.typography.labelSmall, color = MaterialTheme.colorScheme.tertiary)
        item.error?.let { Text(errorText(it), style = MaterialTheme.typography.labelSmall, color = MaterialTheme.colorScheme.error) }
    }
}

@Composable
private fun LocationSection(location: LocationState, errors: List<vn.phananh.ui.state.FieldMessage>, onEvent: (NewReportEvent) -> Unit) {
    SectionTitle(str(Str.new_report_location))
    Surface(shape = RoundedCornerShape(14.dp), border = BorderStroke(1.dp, MaterialTheme.colorScheme.outlineVariant), modifier = Modifier.fillMaxWidth()) {
        Column(Modifier.padding(14.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Row(verticalAlignment = Alignment.Top) {
                Icon(Icons.Filled.LocationOn, contentDescription = null, tint = MaterialTheme.colorScheme.primary, modifier = Modifier.size(28.dp))
                Spacer(Modifier.width(10.dp))
                Column(Modifier.weight(1f)) {
                    val chosen = location.chosen
                    when {
                        location.status == LocationStatus.PERMISSION_DENIED -> Text(str(Str.location_permission_denied), style = MaterialTheme.typography.bodyLarge)
                        location.status == LocationStatus.UNAVAILABLE && chosen == null -> Text(str(Str.location_unavailable), style = MaterialTheme.typography.bodyLarge)
                        chosen == null -> Row(verticalAlignment = Alignment.CenterVertically) {
                            CircularProgressIndicator(Modifier.size(20.dp), strokeWidth = 2.dp)
                            Spacer(Modifier.width(8.dp))
                            Text(str(Str.location_acquiring), style = MaterialTheme.typography.bodyLarge)
                        }
                        else -> {
                            Text(chosen.ward?.fullName ?: str(Str.location_no_ward), style = MaterialTheme.typography.titleSmall)
                            location.provinceName?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
                            val acc = chosen.accuracyMeters?.let { " · ± " + distance(it) } ?: ""
                            Text(sourceLabel(chosen.source) + acc, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
                            Text(String.format(java.util.Locale.ROOT, "%.5f, %.5f", chosen.lat, chosen.lon), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
                        }
                    }
                }
            }
            location.warnings.forEach { w ->
                Row(verticalAlignment = Alignment.Top) {
                    Icon(Icons.Filled.Warning, contentDescription = null, tint = Color(0xFF8A5300), modifier = Modifier.size(20.dp))
                    Spacer(Modifier.width(6.dp))
                    Text(warningText(w), style = MaterialTheme.typography.bodyMedium, color = Color(0xFF5C3A00))
                }
            }
            location.alternatives.forEach { alt ->
                OutlinedButton(onClick = { onEvent(NewReportEvent.ChooseLocation(alt.id)) }, modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch)) {
                    Text(str(Str.location_use_alternative, sourceLabel(alt.source), alt.ward?.fullName ?: str(Str.location_no_ward)))
                }
            }
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                if (location.status == LocationStatus.PERMISSION_DENIED) {
                    FilledTonalButton(onClick = { onEvent(NewReportEvent.RequestLocationPermission) }, modifier = Modifier.weight(1f).heightIn(min = MinTouch)) { Text(str(Str.location_allow)) }
                } else {
                    OutlinedButton(onClick = { onEvent(NewReportEvent.RefreshLocation) }, modifier = Modifier.weight(1f).heightIn(min = MinTouch)) {
                        Icon(Icons.Filled.Refresh, contentDescription = null); Spacer(Modifier.width(6.dp)); Text(str(Str.location_refresh))
                    }
                }
                OutlinedButton(onClick = { onEvent(NewReportEvent.AdjustLocation) }, modifier = Modifier.weight(1f).heightIn(min = MinTouch)) {
                    Icon(Icons.Filled.Edit, contentDescription = null); Spacer(Modifier.width(6.dp)); Text(str(Str.location_adjust))
                }
            }
        }
    }
    FieldErrors(errors)
}

@Composable
private fun CategorySection(state: NewReportState, onEvent: (NewReportEvent) -> Unit) {
    val errors = state.fieldErrors.forField(Fields.CATEGORY)
    SectionTitle(str(Str.new_report_category))
    // A fixed two-column grid built from rows, so it scrolls with the form.
    Column(verticalArrangement = Arrangement.spacedBy(8.dp), modifier = Modifier.semantics { if (errors.isNotEmpty()) error("category") }) {
        state.categories.chunked(2).forEach { row ->
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                row.forEach { CategoryTile(it, it.code == state.selectedCategory, { onEvent(NewReportEvent.SelectCategory(it.code)) }, Modifier.weight(1f)) }
                if (row.size == 1) Spacer(Modifier.weight(1f))
            }
        }
    }
    FieldErrors(errors)
}

@Composable
private fun CategoryTile(category: CategoryOption, selected: Boolean, onClick: () -> Unit, modifier: Modifier) {
    val colors = MaterialTheme.colorScheme
    Surface(
        shape = RoundedCornerShape(14.dp),
        color = if (selected) colors.primaryContainer else colors.surface,
        border = BorderStroke(if (selected) 2.dp else 1.dp, if (selected) colors.primary else colors.outlineVariant),
        modifier = modifier.heightIn(min = 64.dp).selectable(selected = selected, onClick = onClick, role = Role.RadioButton),
    ) {
        Row(Modifier.padding(horizontal = 12.dp, vertical = 10.dp), verticalAlignment = Alignment.CenterVertically) {
            Icon(categoryIcon(category.code), contentDescription = null, tint = if (selected) colors.primary else colors.onSurfaceVariant)
            Spacer(Modifier.width(10.dp))
            Column {
                Text(category.name.text(), style = MaterialTheme.typography.bodyMedium, color = if (selected) colors.onPrimaryContainer else colors.onSurface)
                // The province's handling time for this kind of problem, before the resident sends.
                category.deadlineHours?.let {
                    Text(str(Str.category_deadline, it), style = MaterialTheme.typography.bodySmall,
                        color = if (selected) colors.onPrimaryContainer else colors.onSurfaceVariant)
                }
            }
        }
    }
}

@Composable
private fun DescriptionSection(state: NewReportState, onEvent: (NewReportEvent) -> Unit) {
    val errors = state.fieldErrors.forField(Fields.DESCRIPTION)
    SectionTitle(str(Str.new_report_description))
    OutlinedTextField(
        value = state.description,
        onValueChange = { onEvent(NewReportEvent.ChangeDescription(it)) },
        placeholder = { Text(str(Str.new_report_description_hint)) },
        isError = errors.isNotEmpty(),
        minLines = 4,
        supportingText = {
            Text(str(Str.new_report_char_count, state.description.length, state.descriptionMaxChars), modifier = Modifier.fillMaxWidth(), textAlign = TextAlign.End)
        },
        modifier = Modifier.fillMaxWidth(),
    )
    FieldErrors(errors)
}

@Composable
private fun AnonymousRow(anonymous: Boolean, onChange: (Boolean) -> Unit) {
    Row(
        Modifier.fillMaxWidth().heightIn(min = MinTouch).toggleable(value = anonymous, onValueChange = onChange, role = Role.Switch),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Column(Modifier.weight(1f)) {
            Text(str(Str.new_report_anonymous), style = MaterialTheme.typography.bodyLarge)
            Text(str(Str.new_report_anonymous_hint), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
        }
        Switch(checked = anonymous, onCheckedChange = null)
    }
}
