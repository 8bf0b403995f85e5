package io.mlcycle.mlcore.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document read into a small tree that keeps the line of every key and value, so spec errors can name
 * lines (Jackson's JsonNode forgets them).
 */
final class YamlTree {

    sealed interface Node permits MapNode, ListNode, ScalarNode {
        int line();

        /** A word for messages: "a map", "a list", "a number"... */
        String kind();
    }

    record Entry(String key, int keyLine, Node value) {
    }

    record MapNode(int line, Map<String, Entry> entries) implements Node {
        @Override
        public String kind() {
            return "a map";
        }
    }

    record ListNode(int line, List<Node> items) implements Node {
        @Override
        public String kind() {
            return "a list";
        }
    }

    /** A scalar: token says whether YAML read it as string, number, boolean or null; text is its raw spelling. */
    record ScalarNode(int line, JsonToken token, String text) implements Node {
        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }

        boolean isNumber() {
            return token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT;
        }

        boolean isBoolean() {
            return token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE;
        }

        @Override
        public String kind() {
            if (isNull()) {
                return "empty (null)";
            }
            if (isNumber()) {
                return "a number";
            }
            if (isBoolean()) {
                return "a boolean";
            }
            return "a string";
        }
    }

    /** Thrown for YAML that cannot be read at all; carries the line of the problem. */
    static final class SyntaxException extends Exception {
        private static final long serialVersionUID = 1L;
        final int line;

        SyntaxException(String message, int line) {
            super(message);
            this.line = line;
        }
    }

    /** Duplicate keys found while reading; reported as spec errors, the last value wins. */
    record Duplicate(String path, int line, String key) {
    }

    private final List<Duplicate> duplicates = new ArrayList<>();

    private YamlTree() {
    }

    static Node read(String yaml, List<Duplicate> duplicatesOut) throws SyntaxException {
        YamlTree tree = new YamlTree();
        try (JsonParser parser = new YAMLFactory().createParser(yaml)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new SyntaxException("the file is empty", 0);
            }
            Node root = tree.readValue(parser, "");
            duplicatesOut.addAll(tree.duplicates);
            return root;
        } catch (SyntaxException e) {
            throw e;
        } catch (IOException e) {
            int line = 0;
            if (e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe && jpe.getLocation() != null) {
                line = jpe.getLocation().getLineNr();
            }
            String message = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe
                    ? jpe.getOriginalMessage() : e.getMessage();
            throw new SyntaxException("not valid YAML: " + firstLine(message), line);
        }
    }

    private Node readValue(JsonParser parser, String path) throws IOException {
        JsonToken token = parser.currentToken();
        int line = parser.currentTokenLocation().getLineNr();
        if (token == JsonToken.START_OBJECT) {
            Map<String, Entry> entries = new LinkedHashMap<>();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String key = parser.currentName();
                int keyLine = parser.currentTokenLocation().getLineNr();
                parser.nextToken();
                String childPath = path.isEmpty() ? key : path + "." + key;
                Node value = readValue(parser, childPath);
                if (entries.containsKey(key)) {
                    duplicates.add(new Duplicate(childPath, keyLine, key));
                    entries.remove(key);
                }
                entries.put(key, new Entry(key, keyLine, value));
            }
            return new MapNode(line, entries);
        }
        if (token == JsonToken.START_ARRAY) {
            List<Node> items = new ArrayList<>();
            int index = 0;
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                items.add(readValue(parser, path + "[" + index++ + "]"));
            }
            return new ListNode(line, items);
        }
        return new ScalarNode(line, token, token == JsonToken.VALUE_NULL ? null : parser.getText());
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
