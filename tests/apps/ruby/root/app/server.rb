# A small WEBrick service: a health check and JSON (probe set A), and pages
# that each require their library only when first asked for (workload B).
require 'webrick'

PORT = 18160
EPOCH = 1700000000      # a fixed instant: B prints no current time

server = WEBrick::HTTPServer.new(Port: PORT, BindAddress: '127.0.0.1',
                                 Logger: WEBrick::Log.new($stderr, WEBrick::Log::WARN),
                                 AccessLog: [])

def reply(res, body, type = 'text/plain; charset=utf-8')
  res['Content-Type'] = type
  res.body = body.to_s + "\n"
end

def hex(s) = s.unpack1('H*')

# A page whose library is missing answers 500 with the error (WEBrick would
# let a LoadError, not a StandardError, end the request with an empty 200).
def page(server, path, &handler)
  server.mount_proc(path) do |req, res|
    handler.call(req, res)
  rescue ScriptError, StandardError => e
    res.status = 500
    reply(res, "error: #{e.class}: #{e.message}")
  end
end

page(server, '/health') { |_req, res| reply(res, 'ok') }

page(server, '/json') do |req, res|
  require 'json'
  data = { 'name' => 'widget', 'items' => [1, 2.5, nil, true], 'q' => req.query['q'] }
  reply(res, JSON.generate(data) + "\n" + JSON.parse('{"a":[1,{"b":"\u00e9t\u00e9"}]}').inspect,
        'application/json')
end

page(server, '/csv') do |_req, res|
  require 'csv'
  rows = CSV.parse("name,qty,price\nwidget,3,2.50\n\"gadget, large\",5,10.00\n", headers: true)
  total = rows.sum { |r| r['qty'].to_i * r['price'].to_f }
  out = CSV.generate do |csv|
    rows.each { |r| csv << [r['name'], r['qty'], r['price']] }
    csv << ['total', '', format('%.2f', total)]
  end
  reply(res, out, 'text/csv')
end

page(server, '/set') do |_req, res|
  require 'set'
  a = Set.new(%w[apple pear plum])
  b = Set[*%w[plum kiwi apple fig]]
  reply(res, ["union #{(a | b).sort.join(',')}", "both #{(a & b).sort.join(',')}",
              "only #{(a - b).sort.join(',')}", "subset #{Set['fig'].subset?(b)}"].join("\n"))
end

page(server, '/digest') do |_req, res|
  require 'digest/sha2'
  reply(res, [Digest::SHA256.hexdigest('abc'), Digest::SHA2.new(384).hexdigest('abc')[0, 32],
              Digest::SHA512.hexdigest('abc')[0, 32]].join("\n"))
end

page(server, '/time') do |_req, res|
  require 'time'
  t = Time.at(EPOCH)
  out = [t.utc.iso8601, t.utc.httpdate]
  saved = ENV['TZ']
  begin
    %w[America/New_York Asia/Tokyo].each do |zone|
      ENV['TZ'] = zone
      out << "#{zone}: #{Time.at(EPOCH).strftime('%Y-%m-%d %H:%M:%S %Z %z')}"
    end
  ensure
    ENV['TZ'] = saved
  end
  reply(res, out.join("\n"))
end

page(server, '/encode') do |_req, res|
  s = "caf\u00e9 na\u00efve \u65e5\u672c"
  latin1 = s.encode('ISO-8859-1', undef: :replace)
  sjis = s.encode('Shift_JIS', undef: :replace)
  reply(res, ["ISO-8859-1 #{hex(latin1)}", "Shift_JIS #{hex(sjis)}",
              "back #{"\x93\xfa\x96\x7b".force_encoding('Shift_JIS').encode('UTF-8')}"].join("\n"))
end

page(server, '/zlib') do |_req, res|
  require 'zlib'
  text = 'hello zlib ' * 50
  packed = Zlib::Deflate.deflate(text, Zlib::BEST_COMPRESSION)
  reply(res, "#{text.bytesize} -> #{packed.bytesize} crc32 #{Zlib.crc32(text)} adler32 #{Zlib.adler32(text)} " \
             "round trip #{Zlib::Inflate.inflate(packed) == text}")
end

page(server, '/money') do |_req, res|
  require 'bigdecimal'
  require 'bigdecimal/util'
  total = %w[19.99 5.01 0.10].sum(BigDecimal('0')) { |x| x.to_d }
  reply(res, "subtotal #{total.to_s('F')} with tax #{(total * BigDecimal('1.0825')).round(2).to_s('F')} " \
             "third #{(BigDecimal('1') / 3).round(10).to_s('F')}")
end

page(server, '/erb') do |req, res|
  require 'erb'
  name = req.query['name'] || 'world'
  tpl = ERB.new(<<~T, trim_mode: '-')
    <h1>Hello <%= ERB::Util.html_escape(name) %></h1>
    <%- [3, 1, 2].sort.each do |i| -%>
    <li><%= i * 7 %></li>
    <%- end -%>
  T
  reply(res, tpl.result(binding), 'text/html')
end

page(server, '/yaml') do |_req, res|
  require 'yaml'      # psych, which yaml.rb requires in a begin/rescue, and libyaml
  doc = YAML.safe_load("shop: widget\nprices: [2.5, 10]\ntags: {new: true}\n")
  reply(res, "#{doc.inspect}\n#{YAML.dump('items' => [1, 'two', nil])}")
end

server.mount('/static', WEBrick::HTTPServlet::FileHandler, '/app/public')

page(server, '/') do |req, res|
  if req.path == '/'
    reply(res, 'ruby shop: /health /json /csv /set /digest /time /encode /zlib /money /erb /yaml /static/about.txt')
  else
    res.status = 404
    reply(res, "not found: #{req.path}")
  end
end

trap('TERM') { server.shutdown }
trap('INT') { server.shutdown }
server.start
