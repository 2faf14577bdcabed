// Renderer unit tests mount components with the same i18n plugin as the app (English).
import { config } from '@vue/test-utils';
import { i18n, setLocale } from './i18n';

setLocale('en');
config.global.plugins = [...(config.global.plugins ?? []), i18n];
