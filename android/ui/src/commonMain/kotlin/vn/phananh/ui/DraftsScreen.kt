package vn.phananh.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Delete
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Snackbar
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import vn.phananh.ui.state.DraftSummary
import vn.phananh.ui.state.DraftsEvent
import vn.phananh.ui.state.DraftsState

/** Drafts: every report not sent yet; open one to go on, delete one (with undo). */
@Composable
fun DraftsScreen(state: DraftsState, onEvent: (DraftsEvent) -> Unit) {
    Scaffold(
        topBar = { PhanAnhTopBar(str(Str.drafts_title), onBack = { onEvent(DraftsEvent.Back) }) },
        snackbarHost = {
            // Shown while the deletion can still be undone (the presenter holds the window).
            if (state.pendingDelete != null) {
                Snackbar(
                    action = {
                        TextButton(onClick = { onEvent(DraftsEvent.Undo) }, modifier = Modifier.size(width = 112.dp, height = MinTouch)) {
                            Text(str(Str.action_undo))
                        }
                    },
                    modifier = Modifier.padding(12.dp).semantics { liveRegion = LiveRegionMode.Polite },
                ) { Text(str(Str.drafts_deleted)) }
            }
        },
    ) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            if (state.loading) LinearProgressIndicator(Modifier.fillMaxWidth())
            state.error?.let { Column(Modifier.padding(12.dp)) { ErrorBanner(it, onRetry = { onEvent(DraftsEvent.Reload) }) } }
            if (!state.loading && state.drafts.isEmpty()) {
                Text(
                    str(Str.drafts_empty), style = MaterialTheme.typography.bodyLarge, color = MaterialTheme.colorScheme.onSurfaceVariant,
                    modifier = Modifier.padding(32.dp),
                )
            } else {
                LazyColumn(contentPadding = PaddingValues(12.dp), verticalArrangement = Arrangement.spacedBy(10.dp)) {
                    items(state.drafts, key = { it.id }) { DraftRow(it, onEvent) }
                }
            }
        }
    }
}

@Composable
private fun DraftRow(draft: DraftSummary, onEvent: (DraftsEvent) -> Unit) {
    val category = draft.category?.text() ?: str(Str.drafts_no_category)
    Card(
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surface),
        elevation = CardDefaults.cardElevation(defaultElevation = 2.dp),
        modifier = Modifier.fillMaxWidth(),
    ) {
        Row(verticalAlignment = Alignment.CenterVertically) {
            Row(Modifier.weight(1f).clickable { onEvent(DraftsEvent.Open(draft.id)) }.padding(12.dp)) {
                Thumbnail(draft.thumbnail, 72.dp, contentDescription = null)
                Spacer(Modifier.width(12.dp))
                Column {
                    Text(category, style = MaterialTheme.typography.titleSmall, maxLines = 1, overflow = TextOverflow.Ellipsis)
                    if (draft.description.isNotBlank()) {
                        Text(draft.description, style = MaterialTheme.typography.bodyMedium, maxLines = 2, overflow = TextOverflow.Ellipsis)
                    }
                    Spacer(Modifier.height(6.dp))
                    Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                        Pill(str(Str.drafts_not_sent), MaterialTheme.colorScheme.primary)
                        if (draft.attachmentCount > 0) {
                            Text(str(Str.drafts_media_count, draft.attachmentCount), style = MaterialTheme.typography.labelMedium,
                                color = MaterialTheme.colorScheme.onSurfaceVariant)
                        }
                    }
                    Spacer(Modifier.height(4.dp))
                    Text(str(Str.drafts_edited, dateTime(draft.updatedAt)), style = MaterialTheme.typography.bodySmall,
                        color = MaterialTheme.colorScheme.onSurfaceVariant)
                }
            }
            IconButton(onClick = { onEvent(DraftsEvent.Delete(draft.id)) }, modifier = Modifier.size(MinTouch)) {
                Icon(Icons.Filled.Delete, contentDescription = str(Str.drafts_delete) + ": " + category)
            }
        }
    }
}
