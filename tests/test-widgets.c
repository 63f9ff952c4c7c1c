/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-widgets.c: finding widgets and reading the clipboard in the UI
 * tests */
#include "test-widgets.h"
#include "test-wait.h"

GtkWidget *
test_find_widget (GtkWidget       *root,
                  TestWidgetMatch  match,
                  const char      *text)
{
  if (match (root, text))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = test_find_widget (child, match, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

gboolean
test_label_has_text (GtkWidget  *widget,
                     const char *text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

gboolean
test_row_has_title (GtkWidget  *widget,
                    const char *title)
{
  return ADW_IS_PREFERENCES_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

gboolean
test_button_has_icon (GtkWidget  *widget,
                      const char *icon_name)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), icon_name) == 0;
}

GtkWidget *
test_find_row (GtkWidget  *root,
               const char *title)
{
  GtkWidget *row = test_find_widget (root, test_row_has_title, title);

  if (row == NULL)
    g_error ("no row titled “%s”", title);

  return row;
}

static void
on_text_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **text = user_data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  if (*text == NULL)
    *text = g_strdup ("");
}

char *
test_read_clipboard (GdkClipboard *clipboard)
{
  char *text = NULL;

  gdk_clipboard_read_text_async (clipboard, NULL, on_text_read, &text);
  TEST_WAIT_UNTIL (text != NULL);

  return text;
}
