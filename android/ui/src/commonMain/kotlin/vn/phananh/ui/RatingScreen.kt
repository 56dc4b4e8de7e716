package vn.phananh.ui

import androidx.compose.foundation.BorderStroke
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Surface
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import vn.phananh.ui.state.Fields
import vn.phananh.ui.state.RatingEvent
import vn.phananh.ui.state.RatingLevelOption
import vn.phananh.ui.state.RatingState
import vn.phananh.ui.state.forField

/** Rating: the province's satisfaction levels as large choices, a comment, and reopen when allowed. */
@Composable
fun RatingScreen(state: RatingState, onEvent: (RatingEvent) -> Unit) {
    Scaffold(topBar = { PhanAnhTopBar(str(if (state.editing) Str.rating_title_edit else Str.rating_title), onBack = { onEvent(RatingEvent.Back) }) }) { padding ->
        Column(Modifier.padding(padding).fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            state.error?.let { ErrorBanner(it) }
            Text(str(Str.rating_question, state.reportCategory.text()), style = MaterialTheme.typography.titleMedium)
            Column(Modifier.selectableGroup(), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                state.levels.forEach { LevelRow(it, it.value == state.selectedLevel) { onEvent(RatingEvent.SelectLevel(it.value)) } }
            }
            FieldErrors(state.fieldErrors.forField(Fields.RATING_LEVEL))
            OutlinedTextField(
                value = state.comment,
                onValueChange = { onEvent(RatingEvent.ChangeComment(it)) },
                label = { Text(str(Str.rating_comment)) },
                minLines = 3,
                isError = state.fieldErrors.forField(Fields.RATING_COMMENT).isNotEmpty(),
                supportingText = { Text(str(Str.new_report_char_count, state.comment.length, state.commentMaxChars), Modifier.fillMaxWidth(), textAlign = TextAlign.End) },
                modifier = Modifier.fillMaxWidth(),
            )
            FieldErrors(state.fieldErrors.forField(Fields.RATING_COMMENT))
            if (state.reopenAllowed) {
                Row(
                    Modifier.fillMaxWidth().heightIn(min = MinTouch).toggleable(state.reopen, onValueChange = { onEvent(RatingEvent.ChangeReopen(it)) }, role = Role.Switch),
                    verticalAlignment = Alignment.CenterVertically,
                ) {
                    Column(Modifier.weight(1f)) {
                        Text(str(Str.rating_reopen), style = MaterialTheme.typography.bodyLarge)
                        Text(str(Str.rating_reopen_hint), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
                    }
                    Switch(checked = state.reopen, onCheckedChange = null)
                }
            }
            if (state.submitted) {
                Text(str(Str.rating_thanks), style = MaterialTheme.typography.bodyLarge, color = MaterialTheme.colorScheme.tertiary)
            } else {
                PrimaryButton(str(Str.rating_send), onClick = { onEvent(RatingEvent.Submit) }, enabled = state.selectedLevel != null, busy = state.submitting)
            }
        }
    }
}

@Composable
private fun LevelRow(level: RatingLevelOption, selected: Boolean, onSelect: () -> Unit) {
    val colors = MaterialTheme.colorScheme
    Surface(
        shape = RoundedCornerShape(14.dp),
        color = if (selected) colors.primaryContainer else colors.surface,
        border = BorderStroke(if (selected) 2.dp else 1.dp, if (selected) colors.primary else colors.outlineVariant),
        modifier = Modifier.fillMaxWidth().heightIn(min = 64.dp).selectable(selected = selected, onClick = onSelect, role = Role.RadioButton),
    ) {
        Row(Modifier.padding(horizontal = 12.dp), verticalAlignment = Alignment.CenterVertically) {
            RadioButton(selected = selected, onClick = null)
            Spacer(Modifier.width(10.dp))
            Text(level.label.text(), style = MaterialTheme.typography.titleSmall)
        }
    }
}
