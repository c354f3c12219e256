package org.schoolarchive.analysis;

import java.util.List;
import java.util.Map;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.apache.lucene.analysis.miscellaneous.StemmerOverrideFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.elasticsearch.index.analysis.AbstractCharFilterFactory;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * Test-only stand-in for the three analysis-common components the archive's mapping uses.
 *
 * Elastic publishes on Maven Central only the minimal integration-test distribution, which
 * lacks the analysis-common module. This plugin registers the same names ("mapping",
 * "stemmer_override", "snowball") over the same Lucene classes analysis-common wraps, with
 * the settings the archive's mapping passes, so the index definition used in tests is the
 * one deployed against a full Elasticsearch. It is never installed in production.
 */
public class AnalysisShimPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<CharFilterFactory>> getCharFilters() {
        return Map.of("mapping", (indexSettings, env, name, settings) -> {
            NormalizeCharMap.Builder builder = new NormalizeCharMap.Builder();
            for (String rule : settings.getAsList("mappings")) {
                String[] parts = rule.split("=>", 2);
                if (parts.length != 2) {
                    throw new IllegalArgumentException("Invalid mapping rule: [" + rule + "]");
                }
                builder.add(unescape(parts[0].trim()), unescape(parts[1].trim()));
            }
            NormalizeCharMap map = builder.build();
            return new AbstractCharFilterFactory(name) {
                @Override
                public java.io.Reader create(java.io.Reader reader) {
                    return new MappingCharFilter(map, reader);
                }
            };
        });
    }

    /** Reads a rule's escapes as analysis-common does: backslash-u with four hex digits, n, t,
     * r, b, f, and any other escaped character as itself (a space is written as u0020). */
    static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                out.append(c);
                continue;
            }
            char next = s.charAt(++i);
            switch (next) {
                case 'u' -> {
                    if (i + 4 >= s.length()) {
                        throw new IllegalArgumentException("Invalid escaped char in [" + s + "]");
                    }
                    out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                default -> out.append(next);
            }
        }
        return out.toString();
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "stemmer_override", (indexSettings, env, name, settings) -> {
                StemmerOverrideFilter.Builder builder = new StemmerOverrideFilter.Builder(false);
                List<String> rules = settings.getAsList("rules");
                for (String rule : rules) {
                    String[] parts = rule.split("=>", 2);
                    if (parts.length != 2) {
                        throw new IllegalArgumentException("Invalid stemmer_override rule: [" + rule + "]");
                    }
                    String stem = parts[1].trim();
                    for (String form : parts[0].split(",")) {
                        builder.add(form.trim(), stem);
                    }
                }
                StemmerOverrideFilter.StemmerOverrideMap map;
                try {
                    map = builder.build();
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("Cannot build stemmer_override rules", e);
                }
                return tokenFilter(name, stream -> new StemmerOverrideFilter(stream, map));
            },
            "snowball", (indexSettings, env, name, settings) -> {
                String language = settings.get("language", "English");
                return tokenFilter(name, stream -> new SnowballFilter(stream, language));
            }
        );
    }

    /** A token filter factory by the interface alone: AbstractTokenFilterFactory's
     * constructor took (name, settings) in Elasticsearch 8 and takes (name) in 9, and the
     * shim is built against whichever server scripts/services.sh installs. */
    static TokenFilterFactory tokenFilter(String name, java.util.function.UnaryOperator<TokenStream> filter) {
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream stream) {
                return filter.apply(stream);
            }
        };
    }
}
