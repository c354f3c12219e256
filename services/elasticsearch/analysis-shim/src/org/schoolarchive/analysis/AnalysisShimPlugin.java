package org.schoolarchive.analysis;

import java.util.List;
import java.util.Map;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.apache.lucene.analysis.miscellaneous.StemmerOverrideFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.elasticsearch.index.analysis.AbstractCharFilterFactory;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
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
                builder.add(parts[0].trim(), parts[1].trim());
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
                return new AbstractTokenFilterFactory(name, settings) {
                    @Override
                    public TokenStream create(TokenStream stream) {
                        return new StemmerOverrideFilter(stream, map);
                    }
                };
            },
            "snowball", (indexSettings, env, name, settings) -> {
                String language = settings.get("language", "English");
                return new AbstractTokenFilterFactory(name, settings) {
                    @Override
                    public TokenStream create(TokenStream stream) {
                        return new SnowballFilter(stream, language);
                    }
                };
            }
        );
    }
}
